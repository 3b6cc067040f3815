import time

from django.core.management.base import BaseCommand

from xinfang.search.services import BATCH, search_index_catch_up, search_index_rebuild


class Command(BaseCommand):
    help = "更新信访事项全文索引：把新登记的信访件分词后并入所属事项（可用 --loop 秒数 常驻运行）"

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, help="每隔多少秒更新一次；0 表示更新到最新后退出")
        parser.add_argument("--batch", type=int, default=BATCH, help="每个事务最多处理的信访件数")
        parser.add_argument("--rebuild", action="store_true", help="清空索引，从第一件信访件起重建")

    def handle(self, *args, loop: int, batch: int, rebuild: bool, **options):
        if rebuild:
            self.stdout.write(f"已清空全文索引（{search_index_rebuild()} 个事项），重建中……")
        while True:
            contacts = matters = 0
            started = time.monotonic()
            # Until caught up: a run reads at most one batch, so that SQLite's write lock is held briefly.
            look_back = True
            while True:
                run = search_index_catch_up(batch=batch, look_back=look_back)
                contacts, matters, look_back = contacts + run.contacts, matters + run.matters, False
                if run.caught_up or not run.written:
                    break
            self.stdout.write(
                f"并入信访件 {contacts} 件，更新事项 {matters} 个，"
                f"用时 {time.monotonic() - started:.1f} 秒；已索引至信访件 #{run.cursor}"
            )
            if not loop:
                return
            time.sleep(loop)
