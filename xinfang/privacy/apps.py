from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "xinfang.privacy"
    label = "privacy"
    verbose_name = "个人信息保护与三员分立"
