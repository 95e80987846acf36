# Sourced by ./tarflow and ./test.sh: picks the JDK to build and run with and exports JAVA_HOME.
# Order: $TARFLOW_JAVA_HOME, then the newest JDK found under /usr/lib/jvm (JDK 25 runs the Vector API kernels best),
# then $JAVA_HOME, then the java on PATH. Java 17 is the minimum.
tarflow_java_version() { # prints the feature version of a java binary
  "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'
}
tarflow_pick_jdk() {
  local candidates=() best="" best_v=0 home v
  [ -n "${TARFLOW_JAVA_HOME:-}" ] && { export JAVA_HOME="$TARFLOW_JAVA_HOME"; return 0; }
  for home in /usr/lib/jvm/*/ "${JAVA_HOME:-}"; do
    [ -n "$home" ] && [ -x "${home%/}/bin/javac" ] && candidates+=("${home%/}")
  done
  if command -v javac >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")")
  fi
  for home in "${candidates[@]}"; do
    v=$(tarflow_java_version "$home/bin/java")
    if [ -n "$v" ] && [ "$v" -gt "$best_v" ]; then best="$home"; best_v="$v"; fi
  done
  if [ -z "$best" ] || [ "$best_v" -lt 17 ]; then
    echo "tarflow: no JDK 17 or newer found. Install one (e.g. apt-get install openjdk-17-jdk) or set TARFLOW_JAVA_HOME." >&2
    return 1
  fi
  export JAVA_HOME="$best"
}
tarflow_pick_jdk
# Maven's own libraries trip JDK 24+'s sun.misc.Unsafe warnings; silence them there (the flag is unknown to older JDKs).
if [ "$(tarflow_java_version "$JAVA_HOME/bin/java")" -ge 24 ] 2>/dev/null; then
  case " ${MAVEN_OPTS:-} " in
    *sun-misc-unsafe-memory-access*) ;;
    *) export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow" ;;
  esac
fi
