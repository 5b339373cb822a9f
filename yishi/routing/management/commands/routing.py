"""``yishi routing``: train, evaluate and use the smart-routing classifier.

    yishi routing train --csv FILE.csv --out MODEL_DIR   # a standalone model from a ledger (text,label)
    yishi routing train --csv FILE.csv                   # a version of the live model from a ledger
    yishi routing train --from-cases                     # a version from the platform's cases
    yishi routing predict --model MODEL_DIR --csv FILE.csv   # one label per input row (header: text)
    yishi routing evaluate --csv FILE.csv                # held-out report, with the baseline

A bad CSV (missing column, empty, not UTF-8, one class only) is a clear message and exit status 1.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yishi.routing import engine
from yishi.routing.csvio import CsvError, read_rows
from yishi.routing.models import Source


def _messages(exc: ValidationError) -> str:
    return "；".join(exc.messages)


class Command(BaseCommand):
    help = "智能派单：训练、评估和使用诉求分类模型（train / predict / evaluate）。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        train = sub.add_parser("train", help="训练模型")
        group = train.add_mutually_exclusive_group(required=True)
        group.add_argument("--csv", help="UTF-8 CSV，表头 text,label")
        group.add_argument("--from-cases", action="store_true", help="用平台已受理的诉求训练在用模型")
        train.add_argument("--out", help="模型目录（与 --csv 同用：只写出模型，不上线）")
        predict = sub.add_parser("predict", help="逐行预测类别")
        predict.add_argument("--model", required=True, help="模型目录（train --out 写出的）")
        predict.add_argument("--csv", required=True, help="UTF-8 CSV，表头 text")
        evaluate = sub.add_parser("evaluate", help="在留出集上评估，并与基线对比")
        evaluate.add_argument("--csv", required=True, help="UTF-8 CSV，表头 text,label")
        evaluate.add_argument("--test-size", type=float, default=0.2)

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"do_{action}")(**options)
        except CsvError as exc:
            raise CommandError(str(exc)) from exc
        except ValidationError as exc:
            raise CommandError(_messages(exc)) from exc

    # ------------------------------------------------------------ train

    def do_train(self, *, csv=None, from_cases=False, out=None, **options):
        from yishi.routing.services import check_rows, routing_train

        if from_cases:
            if out:
                raise CommandError("--out 只能与 --csv 同用。")
            model = routing_train(source=Source.CASES, note="command")
            self._report_version(model)
            return
        rows = read_rows(csv, ("text", "label"))
        rows = [(t, label) for t, label in rows if t and label]
        texts, labels = [t for t, _l in rows], [label for _t, label in rows]
        if out:
            check_rows(texts, labels)
            started = time.perf_counter()
            pipeline, metrics = engine.train_and_evaluate(texts, labels)
            directory = Path(out)
            engine.save(pipeline, directory)
            (directory / "metrics.json").write_text(
                json.dumps(metrics, ensure_ascii=False, indent=1), "utf-8"
            )
            self.stdout.write(
                f"模型已写入 {directory}：{len(texts)} 条，{len(set(labels))} 类，"
                f"留出集 macro-F1 {metrics['macro_f1']:.4f}、准确率 {metrics['accuracy']:.4f}，"
                f"用时 {time.perf_counter() - started:.1f} 秒。"
            )
            return
        model = routing_train(source=Source.CSV, rows=rows, note=f"csv {Path(csv).name}")
        self._report_version(model)

    def _report_version(self, model):
        state = "已上线 live" if model.is_live else "未上线：劣于当前模型 kept the live model"
        self.stdout.write(
            f"模型 v{model.version}：{model.trained_on} 条，留出集 macro-F1 {model.macro_f1:.4f}、"
            f"准确率 {model.accuracy:.4f}，{state}。"
        )

    # ------------------------------------------------------------ predict

    def do_predict(self, *, model, csv, **options):
        path = Path(model)
        if not (path / engine.MODEL_FILE).is_file() and not path.is_file():
            raise CommandError(f"找不到模型：{path}（应为 train --out 写出的目录）。")
        try:
            pipeline = engine.load(path)
        except Exception as exc:
            raise CommandError(f"无法读取模型 {path}：{exc}") from exc
        texts = [row[0] for row in read_rows(csv, ("text",))]
        for label in pipeline.predict(texts):
            self.stdout.write(str(label))

    # ------------------------------------------------------------ evaluate

    def do_evaluate(self, *, csv, test_size=0.2, **options):
        from yishi.routing.services import check_rows

        if not 0 < test_size < 1:
            raise CommandError("--test-size 应在0到1之间。")
        rows = [(t, label) for t, label in read_rows(csv, ("text", "label")) if t and label]
        texts, labels = [t for t, _l in rows], [label for _t, label in rows]
        check_rows(texts, labels)
        pipeline, metrics = engine.train_and_evaluate(
            texts, labels, test_size=test_size, refit=False, compare_words=True
        )
        sample = texts[:200]
        engine.top(pipeline, sample[0])
        started = time.perf_counter()
        for text in sample:
            engine.top(pipeline, text)
        metrics["predict_ms"] = round((time.perf_counter() - started) / len(sample) * 1000, 2)
        self.stdout.write(format_report(metrics))


def format_report(metrics: dict) -> str:
    """The evaluation as plain text: the headline numbers, per category, and the confusion table."""
    lines = [
        f"留出集 {metrics['n_test']} 条，训练集 {metrics['n_train']} 条，训练用时 {metrics['train_seconds']:.2f} 秒",
        f"macro-F1  {metrics['macro_f1']:.4f}   accuracy  {metrics['accuracy']:.4f}   (model: char 1-3 gram "
        "TF-IDF, calibrated linear SVM)",
    ]
    if "predict_ms" in metrics:
        lines.append(f"每条预测平均 {metrics['predict_ms']:.2f} 毫秒（单条调用，top-3 及置信度）")
    if metrics.get("words"):
        lines.append(
            f"macro-F1  {metrics['words']['macro_f1']:.4f}   accuracy  {metrics['words']['accuracy']:.4f}   "
            "(variant: + jieba words, calibrated linear SVM)"
        )
    base = metrics.get("baseline")
    if base:
        lines.append(
            f"macro-F1  {base['macro_f1']:.4f}   accuracy  {base['accuracy']:.4f}   (baseline: char n-gram "
            "TF-IDF + LinearSVC)"
        )
    lines += ["", f"{'category':<22}{'precision':>10}{'recall':>10}{'f1':>8}{'support':>9}"]
    for label, row in metrics["per_category"].items():
        lines.append(
            f"{label:<22}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>8.3f}{row['support']:>9}"
        )
    labels = metrics["confusion"]["labels"]
    lines += ["", "confusion (rows: true category, columns: predicted, in the order below)"]
    for i, label in enumerate(labels):
        lines.append(f"{i:>2} {label:<20}" + "".join(f"{n:>5}" for n in metrics["confusion"]["matrix"][i]))
    lines.append("    " + " " * 20 + "".join(f"{i:>5}" for i in range(len(labels))))
    return "\n".join(lines)
