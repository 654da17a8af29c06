from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format

from khaosat.web.core.surveydef import SurveyDefinitionError, load_survey


class Command(BaseCommand):
    help = "Nạp một khảo sát từ thư mục (survey.toml, anket.xlsx). Chạy lại không tạo trùng."

    def add_arguments(self, parser):
        parser.add_argument("folder")

    def handle(self, folder, **opts):
        try:
            survey, created = load_survey(Path(folder))
        except SurveyDefinitionError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Đã nạp" if created else "Đã có sẵn"
        self.stdout.write(
            f"{verb} khảo sát {survey.code}: {survey.units.count()} đơn vị, "
            f"chỉ tiêu {number_format(survey.quota_total, force_grouping=True)} phiếu."
        )
