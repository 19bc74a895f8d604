from django.urls import path

from . import views

app_name = "gazette"
urlpatterns = [
    path("", views.document_index, name="list"),
    path("d/<int:pk>/", views.document_detail, name="document"),
    path("d/<int:pk>/pdf/", views.document_pdf, name="document-pdf"),
    # By URI (identifiers.document_uri): the document, one text (…/zho@v1/), one clause (…/~sec_4__subsec_2/).
    path("u/<path:uri>/", views.by_uri, name="by-uri"),
    path("affected/<path:uri>/", views.affected, name="affected"),
    path("register/", views.register_index, name="register"),
    path("register/new/", views.event_new, name="event-new"),
    path("register/<int:pk>/correct/", views.event_correct_page, name="event-correct"),
    path("register/<int:pk>/withdraw/", views.event_withdraw_page, name="event-withdraw"),
    path("register/retained/", views.retained_enter, name="retained"),
    path("posts/", views.posts_index, name="posts"),
    path("people/<str:person>/", views.person_detail, name="person"),
    path("export.xlsx", views.document_list_excel, name="export"),
    path("cite/", views.cite, name="cite"),
    path("personnel/", views.personnel_index, name="personnel"),
]

urlpatterns += [
    path("search/", views.search_page, name="search"),
    path("d/<int:pk>/akn.xml", views.document_akn, name="document-akn"),
]
