#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Drive `make linux-demo`'s interactive shell through a pseudo-terminal,
as a user at a terminal would: wait for the shell's prompt, type commands,
type poweroff, and report minivmm's exit status.

usage: linux_pty.py TIMEOUT TRANSCRIPT COMMAND [ARG...]
Lines to type come from stdin, one per prompt; the whole console output
goes to TRANSCRIPT. Exit status: the command's, or 124 on timeout.
"""
import os
import pty
import select
import sys
import time


def main():
    timeout, transcript, cmd = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
    lines = [line.rstrip("\n") for line in sys.stdin]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    out = bytearray()
    seen = 0  # prompts answered
    end = time.monotonic() + timeout
    status = None
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                data = b""
            if not data:
                break
            out += data
        # the shell's prompt ("PS1='\w # '") at the end of what was printed;
        # busybox's line editor follows it with a cursor position query
        # (ESC [6n) that a terminal may answer or not
        tail = out[:-4] if out.endswith(b"\x1b[6n") else out
        if seen < len(lines) and tail.endswith(b" # ") and tail.count(b" # ") > seen:
            os.write(fd, lines[seen].encode() + b"\r")
            seen += 1
    else:
        os.kill(pid, 9)
        status = 124
    _, st = os.waitpid(pid, 0)
    if status is None:
        status = os.waitstatus_to_exitcode(st)
    with open(transcript, "wb") as f:
        f.write(out.replace(b"\r", b""))
    return status


if __name__ == "__main__":
    sys.exit(main())
