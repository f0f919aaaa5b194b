import type { AgentManifest } from "./agent-bundle.ts";

/** The oldest Node the bundle runs on (it checks this itself too, scripts/build-agent.ts). */
export const MIN_NODE_MAJOR = 22;

/** One shell word, quoted for POSIX sh: nothing in it is expanded. */
export const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * `GET /install.sh`: a POSIX sh script that installs this deployment's agent for the current user.
 * It checks Node first (one line naming the version needed when it is missing or old), downloads
 * the bundle with curl or wget, refuses it unless its SHA-256 is the one written here, puts it in
 * $ANCHORAGE_HOME/bin (default ~/.anchorage/bin) with a launcher in ~/.local/bin, and prints the
 * anchor command with this deployment's address.
 */
export function renderInstallScript(server: string, manifest: AgentManifest): string {
  const bundleUrl = `${server}/agent/${manifest.file}`;
  return `#!/bin/sh
# Installs the Anchorage agent ${manifest.version} from ${server} for this user: no root, no npm.
#   curl -fsSL ${server}/install.sh | sh
# Read it first if you like: curl -fsSL ${server}/install.sh | less
set -eu

SERVER=${shQuote(server)}
VERSION=${shQuote(manifest.version)}
BUNDLE_URL=${shQuote(bundleUrl)}
BUNDLE_SHA256=${shQuote(manifest.sha256)}
NODE_MAJOR=${MIN_NODE_MAJOR}

fail() {
  printf 'anchorage install: %s\\n' "$1" >&2
  exit 1
}

# 1. Node.js ${MIN_NODE_MAJOR} or newer: the agent is one JavaScript file it runs.
node_version=$(node -v 2>/dev/null || true)
case "$node_version" in
  v[0-9]*) node_major=\${node_version#v}; node_major=\${node_major%%.*} ;;
  *) fail "needs Node.js $NODE_MAJOR or newer and found no node on PATH: install it from https://nodejs.org (or your package manager, or nvm), then run this again" ;;
esac
if [ "$node_major" -lt "$NODE_MAJOR" ]; then
  fail "needs Node.js $NODE_MAJOR or newer, found $node_version: install it from https://nodejs.org (or your package manager, or nvm), then run this again"
fi
node_bin=$(command -v node)

# 2. Download the bundle next to where it goes, and keep it only if its SHA-256 is the one above.
home_dir=\${ANCHORAGE_HOME:-$HOME/.anchorage}
bin_dir=$home_dir/bin
link_dir=$HOME/.local/bin
mkdir -p "$bin_dir" "$link_dir"
tmp=$bin_dir/.anchorage.mjs.$$
trap 'rm -f "$tmp"' EXIT INT TERM
if command -v curl >/dev/null 2>&1; then
  curl -fsSL -o "$tmp" "$BUNDLE_URL" || fail "could not download $BUNDLE_URL"
elif command -v wget >/dev/null 2>&1; then
  wget -q -O "$tmp" "$BUNDLE_URL" || fail "could not download $BUNDLE_URL"
else
  fail "needs curl or wget to download the agent"
fi
if command -v sha256sum >/dev/null 2>&1; then
  actual=$(sha256sum "$tmp")
elif command -v shasum >/dev/null 2>&1; then
  actual=$(shasum -a 256 "$tmp")
else
  actual=$("$node_bin" -e 'process.stdout.write(require("node:crypto").createHash("sha256").update(require("node:fs").readFileSync(process.argv[1])).digest("hex"))' "$tmp")
fi
actual=\${actual%% *}
[ "$actual" = "$BUNDLE_SHA256" ] || fail "the download's SHA-256 is $actual, expected $BUNDLE_SHA256: nothing installed"
chmod 755 "$tmp"
mv -f "$tmp" "$bin_dir/anchorage.mjs"

# 3. The anchorage command: the Node checked above (or, if it is gone, the one on PATH) running the bundle.
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\\\\\''/g")"; }
launcher=$link_dir/anchorage
{
  printf '#!/bin/sh\\n'
  printf '# The Anchorage agent, installed from %s; \\140anchorage update\\140 or install.sh again updates it.\\n' "$SERVER"
  printf 'node=%s\\n' "$(q "$node_bin")"
  printf '[ -x "$node" ] || node=node\\n'
  printf 'exec "$node" %s "$@"\\n' "$(q "$bin_dir/anchorage.mjs")"
} >"$launcher.tmp.$$"
chmod 755 "$launcher.tmp.$$"
mv -f "$launcher.tmp.$$" "$launcher"

echo "Installed the Anchorage agent $VERSION: $bin_dir/anchorage.mjs, run by $launcher"
cmd=anchorage
case ":$PATH:" in
  *":$link_dir:"*) ;;
  *)
    cmd=$launcher
    echo "$link_dir is not on your PATH; add it to use plain \\\`anchorage\\\`, e.g.: echo 'export PATH=\\"\\$HOME/.local/bin:\\$PATH\\"' >> ~/.profile"
    ;;
esac
echo ""
echo "Anchor this machine (it prints a link and a code to approve in the dashboard), then start the agent:"
echo ""
echo "    $cmd anchor $SERVER"
echo "    $cmd run"
`;
}
