from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0002_flag_resolution_i15"),
    ]

    operations = [
        # rules stored before this migration had to hold: they are not "wrong" conditions
        migrations.AddField(
            model_name="checkrule",
            name="wrong",
            field=models.BooleanField(default=False, verbose_name="điều kiện là kết hợp sai"),
        ),
        migrations.AlterField(
            model_name="checkrule",
            name="wrong",
            field=models.BooleanField(default=True, verbose_name="điều kiện là kết hợp sai"),
        ),
        migrations.AlterField(
            model_name="checkrule",
            name="expression",
            field=models.TextField(verbose_name="điều kiện"),
        ),
        migrations.AlterField(
            model_name="checkrule",
            name="message",
            field=models.TextField(blank=True, verbose_name="lời cảnh báo"),
        ),
    ]
