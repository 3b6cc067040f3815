from django.apps import AppConfig


class SmartConfig(AppConfig):
    name = "xinfang.smart"
    label = "smart"
    verbose_name = "智慧登记"
