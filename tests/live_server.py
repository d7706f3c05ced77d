"""`paiban serve` started as a user starts it, in a subprocess, for the live page's tests."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
import urllib.request

from conftest import ROOT


class Server:
    """`paiban serve` in a subprocess; its output lines are read by a thread (no blocking read)."""

    def __init__(self, *args: str):
        self.process = subprocess.Popen([sys.executable, "-m", "typeset", "serve", *args], cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.address: str | None = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for_line(self, needle: str, seconds: float) -> str:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if needle in line:
                return line
        raise AssertionError(f"no line with {needle!r}; output: {''.join(self.seen)}")

    def output(self) -> str:
        """Everything the server printed so far."""
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def url(self) -> str:
        """The address the server printed when it started listening."""
        if self.address is None:
            self.address = self.wait_for_line("serving", 60).split(" at ")[1].split()[0]
        return self.address

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.url().rstrip("/") + path, timeout=10) as response:
            return response.read()

    def wait_for_state(self, condition, seconds: float) -> dict:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            state = json.loads(self.get("/state"))
            if condition(state):
                return state
            time.sleep(0.1)
        raise AssertionError(f"timed out; last state: {state}")
