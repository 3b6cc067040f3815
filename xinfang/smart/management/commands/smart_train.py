from django.core.management.base import BaseCommand

from xinfang.nlp.dedup import live
from xinfang.nlp.errors import NlpError
from xinfang.smart import engine
from xinfang.smart.duplicates import term_index_build
from xinfang.smart.services import (
    accuracy_report,
    corrections_since_model,
    train_from_decided_matters,
    tune_duplicate_threshold,
)


class Command(BaseCommand):
    help = (
        "用本单位已分类的信访件训练内容分类模型"
        "，统计判重词频并按登记员的判重确认/否定调整阈值"
        "（--if-missing 仅在无模型时；--if-corrections N 累计N次纠正后重训；"
        "--report 采纳率；--threshold 只调阈值）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-missing", action="store_true")
        parser.add_argument("--if-corrections", type=int, default=0)
        parser.add_argument("--report", action="store_true", help="只打印建议采纳率和判重阈值")
        parser.add_argument("--threshold", action="store_true", help="只按判重判定调整阈值")

    def handle(self, *args, if_missing: bool, if_corrections: int, report: bool, threshold: bool, **options):
        if report:
            for field, row in accuracy_report().items():
                self.stdout.write(f"{field}: 采纳 {row['accepted']}/{row['decisions']}（{row['rate']:.1%}）")
            self._threshold(write=False)
            return
        if threshold:
            self._threshold(write=True)
            return
        if if_missing and engine.model_path().exists():
            self.stdout.write("分类模型已存在，跳过训练。")
            # Missing, or written by another version (an older profile layout): rebuilt, not left refused.
            if not live.TermIndex.is_current(engine.dedup_terms_path()):
                self._dedup()
            return
        if if_corrections and corrections_since_model() < if_corrections:
            self.stdout.write(f"纠正 {corrections_since_model()} 次，未达 {if_corrections} 次，不重训。")
            # The daily run after an upgrade that changed the profile layout: 判重 leaves its fallback.
            if not live.TermIndex.is_current(engine.dedup_terms_path()):
                self._dedup()
            return
        try:
            result = train_from_decided_matters()
            self.stdout.write(
                f"已训练：{result['rows']} 件，用时 {result['train_seconds']} 秒 → {engine.model_path()}"
            )
        except NlpError as exc:
            self.stdout.write(f"未训练：{exc}")
        self._dedup()
        self._threshold(write=True)

    def _threshold(self, *, write: bool) -> None:
        c = tune_duplicate_threshold(write=write)

        def pr(p: float | None, r: float | None) -> str:
            return "—" if p is None or r is None else f"准确率 {p:.1%}，召回 {r:.1%}"

        self.stdout.write(
            f"判重阈值：{c.prior:.2f} → {c.threshold:.2f}（判定 {c.verdicts} 条：确认 {c.confirmed}、"
            f"否定 {c.rejected}、未表态 {c.ignored}；原阈值 {pr(c.prior_precision, c.prior_recall)}，"
            f"新阈值 {pr(c.precision, c.recall)}）{c.reason}" + ("" if write else "（未写入）")
        )

    def _dedup(self) -> None:
        # 判重 statistics come from every contact (categorised or not); without them the live look-up uses
        # the MinHash index and exact overlap only.
        try:
            r = term_index_build()
        except NlpError as exc:
            self.stdout.write(f"未统计判重词频：{exc}")
            return
        self.stdout.write(
            f"判重词频：{r['contacts']} 件（词频取自 {r['documents']} 件），"
            f"{r['bytes_per_contact']} 字节/件，用时 {r['seconds']} 秒 → {r['path']}"
        )
