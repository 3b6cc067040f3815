from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "xinfang.search"
    label = "search"
    verbose_name = "信访事项检索"
