#!/usr/bin/env bash
# Install the OS packages the tests need when they are missing: Debian's Chromium (browser
# tests, driven by Playwright — never `playwright install`), LibreOffice Writer (DOCX -> PDF)
# and poppler-utils. Needs root (as on the dev machines and CI); otherwise says what to install.
set -u
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui fonts-liberation2)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Thiếu gói hệ điều hành: ${need[*]}. Hãy cài bằng: sudo apt-get install ${need[*]}" >&2
  echo "(Các bài kiểm thử cần chúng sẽ được bỏ qua và ghi rõ lý do.)" >&2
  exit 0
fi
echo "Cài gói hệ điều hành: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq "${need[@]}" >/dev/null || {
  echo "Không cài được ${need[*]} — các bài kiểm thử cần chúng sẽ báo lỗi." >&2; exit 1; }
