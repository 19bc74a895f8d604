from django.apps import AppConfig


class CanteensConfig(AppConfig):
    name = "countyhall.canteens"
    label = "canteens"
    verbose_name = "长者食堂"

    def ready(self) -> None:
        from countyhall.canteens import rules  # noqa: F401  (registers canteen.* with the calc interface)
