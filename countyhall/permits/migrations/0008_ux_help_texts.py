from django.db import migrations, models


class Migration(migrations.Migration):
    """Help texts and status choices only (no table): kept apart so the newest permits migration rolls back
    and forward over the demo data without dropping a table."""

    dependencies = [
        ("permits", "0007_ux_corrections_intake_decision"),
    ]

    operations = [
        migrations.AlterField(
            model_name='case',
            name='accepted_on',
            field=models.DateField(blank=True, help_text='受理当日不计入时限', null=True, verbose_name='受理日期'),
        ),
        migrations.AlterField(
            model_name='case',
            name='applicant_listed',
            field=models.BooleanField(default=False, help_text='受理时建设单位在失信名单内：提示所有审查部门', verbose_name='申请人在失信名单内'),
        ),
        migrations.AlterField(
            model_name='case',
            name='status',
            field=models.CharField(choices=[('submitted', '已申报待受理'), ('in_review', '并联审查中'), ('awaiting_applicant', '待申请人补正（停止计时）'), ('approved', '准予许可'), ('refused', '不予许可'), ('revoked', '撤销许可（未履行承诺）'), ('returned', '退回补齐材料'), ('not_accepted', '不予受理')], default='in_review', max_length=24, verbose_name='状态'),
        ),
        migrations.AlterField(
            model_name='project',
            name='code',
            field=models.CharField(help_text='立项时赋予的全国统一项目代码，后续各项审批均使用', max_length=40, unique=True, verbose_name='项目代码'),
        ),
        migrations.AlterField(
            model_name='project',
            name='fees_paid_on',
            field=models.DateField(blank=True, help_text='施工许可核验缴费凭证', null=True, verbose_name='建设规费缴清日期'),
        ),
        migrations.AlterField(
            model_name='stagelimit',
            name='items',
            field=models.TextField(blank=True, help_text='每行一项；合并办理的事项写在同一行', verbose_name='本阶段办理事项'),
        ),
        migrations.AlterField(
            model_name='stagelimit',
            name='materials',
            field=models.TextField(blank=True, help_text='每行一种材料；前一阶段已提交的材料自动共享，不再要求重复提交', verbose_name='申报材料清单'),
        ),
    ]
