# Shared by the ci/ scripts (sourced, not run).

# Installs the Debian packages named as arguments with apt-get (sudo unless root); none: nothing.
# $1 is the calling script's name, for the message.
install_missing() {
  local who="$1"; shift
  [ $# -gt 0 ] || return 0
  echo "$who: installing $*"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "$@"
}

# Whether the OpenCL ICD loader is installed.
have_opencl_loader() {
  [ -e /usr/lib/x86_64-linux-gnu/libOpenCL.so.1 ] || ldconfig -p 2>/dev/null | grep -q 'libOpenCL.so.1'
}

# Whether an OpenCL driver that lists a device by default is registered. Mesa's ICDs (rusticl,
# Clover) do not count: without a GPU they list none unless RUSTICL_ENABLE is set.
have_opencl_driver() {
  local f
  for f in /etc/OpenCL/vendors/*.icd; do
    [ -e "$f" ] || continue
    case "$(basename "$f")" in
      rusticl.icd|mesa.icd) ;;
      *) return 0 ;;
    esac
  done
  return 1
}
