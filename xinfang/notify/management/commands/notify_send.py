import time

from django.core.management.base import BaseCommand

from xinfang.notify.services import send_due


class Command(BaseCommand):
    help = "发送到期的短信/邮件通知并重试失败的通知（可用 --loop 秒数 常驻运行）"

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, help="每隔多少秒发送一次；0 表示只发送一次")
        parser.add_argument("--limit", type=int, default=200, help="每轮最多处理的通知数")

    def handle(self, *args, loop: int, limit: int, **options):
        while True:
            counts = send_due(limit=limit)
            self.stdout.write(
                f"已发送 {counts['sent']} 条，待重试 {counts['failed']} 条，"
                f"放弃 {counts['gave_up']} 条，跳过 {counts['skipped']} 条"
            )
            if not loop:
                return
            time.sleep(loop)
