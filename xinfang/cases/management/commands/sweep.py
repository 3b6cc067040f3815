import time

from django.core.management.base import BaseCommand

from xinfang.audit.chain import audit_seal
from xinfang.cases.clocks import sweep_clocks


class Command(BaseCommand):
    help = "扫描法定时限：标记即将到期/逾期并记入办理过程，并封存审计事件（可用 --loop 秒数 常驻运行）"

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, help="每隔多少秒扫描一次；0 表示只扫描一次")

    def handle(self, *args, loop: int, **options):
        while True:
            counts = sweep_clocks()
            # The audit hash chain is built here, after the fact, not on the registration's write path.
            sealed = audit_seal().sealed
            self.stdout.write(
                f"即将到期 {counts['soon']} 项，逾期 {counts['overdue']} 项；封存审计事件 {sealed} 条"
            )
            if not loop:
                return
            time.sleep(loop)
