from django.core.management.base import BaseCommand

from xinfang.intake.petitioners import pii_rotate_keys


class Command(BaseCommand):
    help = "用 XINFANG_PII_KEYS 中的第一个（最新）密钥重新加密全部信访人敏感信息"

    def handle(self, *args, **options):
        self.stdout.write(f"已重新加密 {pii_rotate_keys()} 名信访人的敏感信息")
