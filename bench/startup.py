"""Start-up of the `phongtrao` command: `--help` and one small command, each a new process.

The small command reads units by name (`orgunits search`) from a SQLite database made for the
run in a temporary directory (migrated, the 2025 tree loaded) and removed afterwards. Each
command runs twice untimed first, so the OS file cache and the bytecode cache are warm, as for
an installed copy (the bytecode goes to the temporary directory even where
PYTHONDONTWRITEBYTECODE is set, which would otherwise compile the sources on every run). Wall
time is what a user waits; CPU time (user + system of the child) is steadier on a shared machine.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PHONGTRAO = Path(sys.executable).with_name("phongtrao")
COMMANDS = {
    "phongtrao --help": ["--help"],
    "phongtrao orgunits search": ["orgunits", "search", "Hà Giang", "--hierarchy", "2025"],
}
TARGETS_MS = {"phongtrao --help": 300, "phongtrao orgunits search": 1000}


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run phongtrao once; return its wall and CPU time in milliseconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    completed = subprocess.run(  # noqa: S603
        [str(PHONGTRAO), *args], env=env, capture_output=True, check=False
    )
    wall = (time.perf_counter() - began) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        raise RuntimeError(f"phongtrao {' '.join(args)}: {completed.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return wall, cpu


def _summary(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1)}


def _help_imports(env: dict[str, str]) -> dict[str, Any]:
    """Count the modules `phongtrao --help` imports, and say whether Django is one of them."""
    code = (
        "import contextlib, io, sys\n"
        "from phongtrao.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])\n"
        "print(len(sys.modules), 'django' in sys.modules)"
    )
    count, django = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return {"modules": int(count), "django": django == "True"}


def measure(runs: int = 10) -> dict[str, Any]:
    """Time `phongtrao --help` and a small command as new processes, runs times each."""
    with tempfile.TemporaryDirectory(prefix="phongtrao-startup-") as var:
        env = {
            **os.environ,
            "PHONGTRAO_VAR_DIR": var,
            "DATABASE_URL": f"sqlite:///{Path(var) / 'startup.sqlite3'}",
            "PYTHONPYCACHEPREFIX": str(Path(var) / "pycache"),
        }
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        _run(["migrate", "-v", "0"], env)
        _run(["orgunits", "load", "--hierarchy", "2025"], env)
        results: dict[str, Any] = {"runs": runs, "help_imports": _help_imports(env)}
        for name, args in COMMANDS.items():
            for _ in range(2):
                _run(args, env)
            walls, cpus = zip(*(_run(args, env) for _ in range(runs)), strict=True)
            wall, cpu = _summary(list(walls)), _summary(list(cpus))
            results[name] = {
                "wall": wall,
                "cpu": cpu,
                "target_ms": TARGETS_MS[name],
                "met": wall["median_ms"] < TARGETS_MS[name],
            }
        # Wall time on a shared machine depends on the others' load: say what it was.
        results["load_average"] = [round(load, 1) for load in os.getloadavg()]
        return results


def print_measure(results: dict[str, Any]) -> None:
    """Print the start-up figures, one line per command."""
    imports = results["help_imports"]
    django = "có nạp Django" if imports["django"] else "không nạp Django"
    load = " / ".join(str(value) for value in results["load_average"])
    print(
        f"\nKhởi động ({results['runs']} lần mỗi lệnh; --help nạp {imports['modules']} mô-đun, "
        f"{django}; tải máy {load} trên {os.cpu_count()} lõi)"
    )
    for name in COMMANDS:
        r = results[name]
        print(
            f"  {name:<28} thời gian thực trung vị {r['wall']['median_ms']:>7.1f} ms  "
            f"p95 {r['wall']['p95_ms']:>7.1f} ms  CPU trung vị {r['cpu']['median_ms']:>7.1f} ms  "
            f"p95 {r['cpu']['p95_ms']:>7.1f} ms  (mục tiêu < {r['target_ms']} ms: "
            f"{'đạt' if r['met'] else 'chưa đạt'})"
        )


if __name__ == "__main__":
    print_measure(measure())
