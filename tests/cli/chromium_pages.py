#!/usr/bin/env python3
"""chromium_pages.py: open pages in headless Chromium through the DevTools
protocol and say, per page, whether it rendered clean.

    chromium_pages.py --chromium PATH --profile DIR --shots DIR [--width PX] FILE.html...

Starts Chromium (Debian's `chromium`) headless with a fresh profile, every
background service off and the DevTools endpoint on 127.0.0.1 only, then
for each page: loads it (file://), waits for its load event (every image
loaded or failed by then), and collects
  - console messages of level error, uncaught exceptions, and the log's
    errors (a resource that failed to load is one);
  - every <img> that did not load (complete with no natural width), and
    every image whose SVG is not an image the browser can draw;
  - a screenshot of the whole page, kept in --shots as <page>.png.
Prints one line per page, "ok PAGE ..." or "FAIL PAGE: why", and exits 1
when a page failed, 2 when Chromium could not be driven at all.

Only the standard library: a WebSocket client of the few lines the
protocol needs (RFC 6455: client frames masked, server frames not), over
a socket to 127.0.0.1. Chromium runs in its own session and is stopped
(its whole process group, which holds only what it started) on the way
out.
"""
import argparse
import base64
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import urllib.request


class WebSocket:
    def __init__(self, url, timeout):
        assert url.startswith("ws://")
        hostport, path = url[5:].split("/", 1)
        host, port = hostport.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = (f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise OSError("DevTools closed the connection during the handshake")
            head += chunk
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status:
            raise OSError("DevTools refused the WebSocket: " + status.decode(errors="replace"))
        self.buf = head.split(b"\r\n\r\n", 1)[1]

    def _recv_exact(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buf)))
            if not chunk:
                raise OSError("DevTools closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def send(self, text):
        payload = text.encode()
        head = bytearray([0x81])
        n = len(payload)
        if n < 126:
            head.append(0x80 | n)
        elif n < 65536:
            head.append(0x80 | 126)
            head += struct.pack(">H", n)
        else:
            head.append(0x80 | 127)
            head += struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes(head) + mask + masked)

    def recv(self):
        message = b""
        while True:
            b0, b1 = self._recv_exact(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._recv_exact(8))[0]
            if b1 & 0x80:
                mask = self._recv_exact(4)
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._recv_exact(n)))
            else:
                data = self._recv_exact(n)
            if opcode == 0x8:
                raise OSError("DevTools closed the WebSocket")
            if opcode == 0x9:  # ping
                continue
            if opcode in (0x0, 0x1, 0x2):
                message += data
                if b0 & 0x80:
                    return message.decode()


class DevTools:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []

    def call(self, method, timeout=60, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({"id": my_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == my_id:
                if "error" in msg:
                    raise OSError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(method)

    def wait_event(self, method, timeout):
        deadline = time.monotonic() + timeout
        for i, ev in enumerate(self.events):
            if ev["method"] == method:
                return self.events.pop(i)
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("method") == method:
                return msg
            if "method" in msg:
                self.events.append(msg)
        raise TimeoutError(method)


# Every image that did not load: not complete, no natural width, or an SVG
# the browser read as something else than an image.
IMAGES_JS = """
(() => {
  const imgs = Array.from(document.images);
  const bad = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'));
  return JSON.stringify({n: imgs.length, bad: bad,
                         h: Math.ceil(document.documentElement.scrollHeight)});
})()
"""


def problems_of(events):
    out = []
    for ev in events:
        m, p = ev["method"], ev.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            out.append("console." + p["type"] + ": " + args)
        elif m == "Runtime.exceptionThrown":
            out.append("exception: " + p.get("exceptionDetails", {}).get("text", "?"))
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            e = p["entry"]
            out.append(f"log ({e.get('source')}): {e.get('text')} {e.get('url', '')}".strip())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chromium", required=True)
    ap.add_argument("--profile", required=True)
    ap.add_argument("--shots", required=True)
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("pages", nargs="+")
    a = ap.parse_args()

    os.makedirs(a.shots, exist_ok=True)
    log = open(os.path.join(a.profile + ".log"), "w")
    argv = [a.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
            f"--user-data-dir={a.profile}", "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0", "about:blank"]
    proc = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    failed = 0
    try:
        port_file = os.path.join(a.profile, "DevToolsActivePort")
        deadline = time.monotonic() + 60
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if proc.poll() is not None or time.monotonic() > deadline:
                print("FAIL chromium did not open its DevTools port (log: %s.log)" % a.profile)
                return 2
            time.sleep(0.1)
        port = int(open(port_file).read().split("\n")[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30))
        page = next(t for t in targets if t.get("type") == "page")
        dt = DevTools(WebSocket(page["webSocketDebuggerUrl"], timeout=60))
        for domain in ("Page", "Runtime", "Log"):
            dt.call(domain + ".enable")
        dt.call("Emulation.setDeviceMetricsOverride", width=a.width, height=900,
                deviceScaleFactor=1, mobile=False)
        for path in a.pages:
            url = "file://" + os.path.abspath(path)
            name = os.path.basename(os.path.dirname(os.path.abspath(path))) + "-" + \
                os.path.splitext(os.path.basename(path))[0]
            dt.events = []
            dt.call("Page.navigate", url=url)
            dt.wait_event("Page.loadEventFired", timeout=60)
            res = dt.call("Runtime.evaluate", expression=IMAGES_JS, returnByValue=True)
            info = json.loads(res["result"]["value"])
            # console messages arrive as events; a last round trip
            # collects the ones sent while the page loaded
            dt.call("Runtime.evaluate", expression="0")
            issues = problems_of(dt.events)
            height = min(max(info["h"], 900), 16000)
            shot = dt.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                           clip={"x": 0, "y": 0, "width": a.width, "height": height, "scale": 1})
            png = base64.b64decode(shot["data"])
            shot_path = os.path.join(a.shots, name + ".png")
            with open(shot_path, "wb") as f:
                f.write(png)
            why = []
            if info["bad"]:
                why.append("%d of %d images did not load: %s" % (len(info["bad"]), info["n"],
                                                                ", ".join(info["bad"][:3])))
            why += issues
            if why:
                failed += 1
                print(f"FAIL {name}: " + "; ".join(why))
            else:
                print(f"ok {name}: {info['n']} images loaded, no console error, "
                      f"screenshot {shot_path} ({len(png)} bytes, {a.width}x{height})")
        try:
            dt.call("Browser.close", timeout=10)
        except (OSError, TimeoutError):
            pass
    except (OSError, TimeoutError, StopIteration, ValueError, KeyError) as e:
        print(f"FAIL cannot drive chromium: {e!r} (log: {a.profile}.log)")
        return 2
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        log.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
