from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "xinfang.portal"
    label = "portal"
    verbose_name = "阳光信访"
