#!/usr/bin/env python3
"""Runs the README's client examples against a live daemon and checks each answer against what the
README shows, so the README and the daemon cannot drift apart (issue 14; run by scripts/test-contract.sh).

    scripts/readme-examples.py SOCKET

What runs, from the README's "Running the daemon" part (between <!-- daemon:begin --> and
<!-- daemon:end -->), in order, against one fresh daemon serving the shipped Rules:
- every `$ curl …` line of a plain fenced block (continued over the next lines until its quotes
  close), with the socket path replaced by SOCKET; the lines after it, up to the next `$ `, are what it
  must print;
- every ```python and ```php block (run with python3 and php; php needs php-curl); the plain fenced
  block right after it is what it must print.

How an answer is compared: each side's lines are stripped of surrounding blanks and joined (the README
wraps long JSON over indented lines; the daemon writes it on one line), `…` in the README (and the blanks
around it) matches anything (shortened values, times, paths), and a `sha256:` rule-set version matches any version (it
changes with every edit of Rules/). Everything else must be exactly what the daemon answered: the keys,
their order, the values, the statuses the examples print. Prometheus text (an answer shown starting with
`#` or `…`) is compared line by line in any order, since the exposition's order is not stable.
"""
import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SOCKET_PATH = re.compile(r"/run/duwtje/duwtje\.sock|\brun/duwtje\.sock")


def blocks(text):
    """The fenced blocks of the daemon part: (language, lines, line number of the first line)."""
    start = text.index("<!-- daemon:begin -->")
    end = text.index("<!-- daemon:end -->")
    first_line = text[:start].count("\n") + 1
    lines = text[start:end].split("\n")
    found, index = [], 0
    while index < len(lines):
        match = re.match(r"^```(\w*)\s*$", lines[index])
        if match:
            body_start = index + 1
            index += 1
            while not lines[index].startswith("```"):
                index += 1
            found.append((match.group(1), lines[body_start:index], first_line + body_start))
        index += 1
    return found


def curl_examples(lines, line_number):
    """(command, expected output lines, line number) for each `$ curl` of a transcript block."""
    examples, index = [], 0
    while index < len(lines):
        if not lines[index].startswith("$ "):
            index += 1
            continue
        start = index
        command = lines[index][2:]
        while True:
            try:
                shlex.split(command)
                break
            except ValueError:  # a quote still open: the command goes on over the next line
                index += 1
                command += "\n" + lines[index]
        index += 1
        output_start = index
        while index < len(lines) and not lines[index].startswith("$ "):
            index += 1
        if command.startswith("curl "):
            examples.append((command, lines[output_start:index], line_number + start))
    return examples


def flatten(text):
    return "".join(line.strip() for line in text.replace("\r\n", "\n").split("\n"))


def pattern(expected):
    expected = re.sub(r"sha256:[0-9a-f]{64}", "sha256:…", expected)
    return re.compile(".*?".join(re.escape(piece) for piece in re.split(r"\s*…\s*", expected)), re.DOTALL)


def matches(expected_lines, actual):
    if expected_lines and expected_lines[0].startswith(("#", "…")):
        # Prometheus text: the exposition's order is not stable, so each line shown must be one of
        # the answer's lines, anywhere.
        lines = [line.strip() for line in actual.split("\n")]
        return all(any(pattern(line.strip()).fullmatch(candidate) for candidate in lines)
                   for line in expected_lines if line.strip() not in ("", "…"))
    return pattern(flatten("\n".join(expected_lines))).fullmatch(flatten(actual)) is not None


def with_socket(text, socket):
    return SOCKET_PATH.sub(lambda _: socket, text)  # one pass: SOCKET may itself end in run/duwtje.sock


def run(argv, **options):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30, **options)
    return result.returncode, result.stdout, result.stderr


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: scripts/readme-examples.py SOCKET")
    socket = sys.argv[1]
    found = blocks(README.read_text(encoding="utf-8"))
    failures, ran = [], {"curl": 0, "python": 0, "php": 0}

    def check(kind, where, status, stdout, stderr, expected):
        ran[kind] += 1
        if status != 0:
            failures.append(f"README.md:{where}: {kind} example exited {status}: {stderr.strip()}")
        elif not expected:
            failures.append(f"README.md:{where}: {kind} example shows no output to compare with")
        elif not matches(expected, stdout):
            failures.append(f"README.md:{where}: {kind} example answered\n  {stdout.strip()}\n"
                            f"but the README shows\n  {flatten(chr(10).join(expected))}")
        else:
            print(f"readme-examples: README.md:{where}: {kind} ok")

    for position, (language, lines, where) in enumerate(found):
        following = found[position + 1] if position + 1 < len(found) else None
        expected = following[1] if following and following[0] == "" else []
        if language == "" and any(line.startswith("$ curl ") for line in lines):
            for command, output, line in curl_examples(lines, where):
                argv = [with_socket(word, socket) for word in shlex.split(command)]
                check("curl", line, *run(argv[:1] + ["--max-time", "10"] + argv[1:]), output)
        elif language == "python":
            check("python", where, *run([sys.executable, "-c", with_socket("\n".join(lines), socket)]), expected)
        elif language == "php":
            with tempfile.NamedTemporaryFile("w", suffix=".php", delete=False) as script:
                script.write(with_socket("\n".join(lines), socket) + "\n")
            try:
                check("php", where, *run(["php", script.name]), expected)
            finally:
                os.unlink(script.name)

    for kind, count in ran.items():
        if count == 0:
            failures.append(f"README.md: no {kind} example found between <!-- daemon:begin --> and <!-- daemon:end -->")
    if failures:
        print("\n".join("readme-examples: FAIL " + failure for failure in failures), file=sys.stderr)
        sys.exit(1)
    print(f"readme-examples: {ran['curl']} curl, {ran['python']} Python and {ran['php']} PHP examples answer as the README shows")


if __name__ == "__main__":
    main()
