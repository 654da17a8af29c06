from django.core.management.base import BaseCommand

from khaosat.web.core import jobs
from khaosat.web.core.models import Job


class Command(BaseCommand):
    help = "Chạy các công việc nền đang chờ (quét phiếu, nhập dữ liệu, lập báo cáo)."

    def handle(self, **opts):
        import importlib

        from django.apps import apps

        for cfg in apps.get_app_configs():  # each area registers its jobs in <app>/jobs.py
            try:
                importlib.import_module(f"{cfg.name}.jobs")
            except ModuleNotFoundError:
                pass
        pending = list(Job.objects.filter(status=Job.Status.PENDING).values_list("pk", flat=True))
        for pk in pending:
            j = jobs.run(pk)
            self.stdout.write(f"Công việc {j.pk} ({j.kind}): {j.get_status_display()}")
        if not pending:
            self.stdout.write("Không có công việc nào đang chờ.")
