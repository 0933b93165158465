# Sourced by install.sh and install-mesa26.sh: apt with a private state under $1 (its own
# sources list, lists and cache), so the system's apt and dpkg are never written.
#   private_apt_opts APT_DIR [DPKG_STATUS]   fills the array APT_OPTS
# DPKG_STATUS: the dpkg status apt resolves against (default: the system's, read only, so only
# packages missing from this machine are fetched; an empty file fetches the whole closure).
private_apt_opts() {
  local apt="$1"
  mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/sources.list.d" "$apt/preferences.d"
  APT_OPTS=(
    -o "Dir::Etc::SourceList=$apt/sources.list"
    -o "Dir::Etc::SourceParts=$apt/sources.list.d"
    -o "Dir::Etc::Preferences=$apt/preferences"
    -o "Dir::Etc::PreferencesParts=$apt/preferences.d"
    -o "Dir::State::Lists=$apt/lists"
    -o "Dir::Cache::Archives=$apt/archives"
    -o "Dir::Cache::pkgcache=$apt/pkgcache.bin"
    -o "Dir::Cache::srcpkgcache=$apt/srcpkgcache.bin"
    -o "Debug::NoLocking=1"
  )
  if [ -n "${2:-}" ]; then APT_OPTS+=(-o "Dir::State::status=$2" -o "APT::Architecture=amd64" -o "APT::Architectures=amd64"); fi
}
