#!/usr/bin/env bash
# Installs what Relance builds and tests with on a fresh Debian/Ubuntu machine (run as root):
# librdkafka's, OpenSSL's and jemalloc's headers and libraries, libxml2, and the tools scripts/test.sh uses (pip, unzip,
# openssl, python3-aiosmtpd, promtool, stunnel4 and iproute2's ss for the TLS test, debootstrap for the image test,
# Chromium, its WebDriver and Selenium for the console's browser test).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
missing=()
pkg-config --exists rdkafka 2>/dev/null || missing+=(librdkafka-dev pkg-config)
command -v unzip >/dev/null || missing+=(unzip)
# reminder-mailer: OpenSSL for SMTP STARTTLS; its tests run a real SMTP server (aiosmtpd) with a
# certificate made by the openssl command.
pkg-config --exists openssl 2>/dev/null || missing+=(libssl-dev)
# Every executable allocates through jemalloc (Package.swift; docs/deploy.md, "Memory allocator").
pkg-config --exists jemalloc 2>/dev/null || missing+=(libjemalloc-dev)
command -v openssl >/dev/null || missing+=(openssl)
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || missing+=(python3-aiosmtpd)
# FoundationXML (statements-bench's libxml2 baseline) links libxml2; Swift's own tools need it too.
ldconfig -p | grep -q 'libxml2\.so\.2' || missing+=(libxml2)
# scripts/tls-test.sh: a TLS listener in front of the test broker (stunnel), and `ss` to check that
# every client connection went through it.
command -v stunnel4 >/dev/null || command -v stunnel >/dev/null || missing+=(stunnel4)
command -v ss >/dev/null || missing+=(iproute2)
command -v pip >/dev/null || command -v pip3 >/dev/null || missing+=(python3-pip)
# promtool (Debian's prometheus package) checks every worker's /metrics page in the tests.
command -v promtool >/dev/null || missing+=(prometheus)
# scripts/image-test.sh: the runtime image's Debian userland (debootstrap, the archive's keys) and
# objdump for the glibc versions the executables need.
command -v debootstrap >/dev/null || missing+=(debootstrap)
[ -e /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
command -v objdump >/dev/null || missing+=(binutils)
# scripts/console-browser-test.sh: the console in a real browser (Debian's Chromium and its
# WebDriver), driven by Selenium from PyPI.
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python3 -c 'import selenium' 2>/dev/null || python3 -m pip install -q selenium
export PATH="/opt/swift/usr/bin:$PATH"
swift --version 2>/dev/null | head -1
