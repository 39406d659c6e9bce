# Sourced by the run and test commands: make sure Maven and the host run on Java 17.
# (Karaf and the verified library set target Java 17; a newer default JDK is bypassed.)
java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1; }
if [ -z "${JAVA_HOME:-}" ] || [ "$(java_major "$JAVA_HOME/bin/java")" != "17" ]; then
  for candidate in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk /usr/lib/jvm/temurin-17-jdk-amd64; do
    if [ -x "$candidate/bin/java" ]; then export JAVA_HOME="$candidate"; break; fi
  done
fi
if [ -n "${JAVA_HOME:-}" ]; then export PATH="$JAVA_HOME/bin:$PATH"; fi
if ! command -v java >/dev/null 2>&1 || [ "$(java_major java)" != "17" ]; then
  echo "sockethub: Java 17 is required (set JAVA_HOME to a JDK 17)" >&2
  exit 1
fi
