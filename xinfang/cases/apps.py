from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "xinfang.cases"
    label = "cases"
    verbose_name = "信访事项"

    def ready(self) -> None:
        # Running clocks follow changes of the holiday calendar (a new year's notice, a corrected day).
        from xinfang.deadlines.signals import calendar_changed

        from .clocks import clocks_follow_calendar

        calendar_changed.connect(clocks_follow_calendar, dispatch_uid="cases.clocks_follow_calendar")
