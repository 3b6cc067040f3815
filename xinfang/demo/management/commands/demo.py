from django.core.management.base import BaseCommand

from xinfang.cases.models import Matter
from xinfang.demo.build import DEMO_PASSWORD, build_organisation, build_petitions, ensure_demo_token
from xinfang.demo.orgdata import STAFF


class Command(BaseCommand):
    help = "生成演示数据：一座城市的组织机构、各角色工作人员、分流规则和数百件各状态信访事项"

    def add_arguments(self, parser):
        parser.add_argument("--petitions", type=int, default=300)
        parser.add_argument("--if-empty", action="store_true", help="已有信访事项时不再生成")

    def handle(self, *args, petitions: int, if_empty: bool, **options):
        world = build_organisation()
        if if_empty and Matter.objects.exists():
            self.stdout.write("已有数据，跳过生成信访事项。")
        else:
            stats = build_petitions(world, count=petitions)
            self.stdout.write(f"演示信访件：{stats}")
        raw = ensure_demo_token(world)
        if raw:
            (self.stdout.write(f"演示接口令牌（12345热线，仅显示一次）：{raw}"))
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, full_name, unit_key, roles in STAFF:
            self.stdout.write(f"  {username:<12} {full_name}  {unit_key}  {','.join(roles)}")
