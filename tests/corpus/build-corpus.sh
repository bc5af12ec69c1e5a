#!/bin/bash
# build-corpus.sh — build a realistic, user-like home tree from files that Debian packages ship.
#
#   tests/corpus/build-corpus.sh [--seed N] [--size small|full] OUT_DIR
#
# The tree is a pure function of (seed, size, this script, the versions of the source packages):
# every file list is sorted, every random choice comes from a seeded 64-bit LCG below (no $RANDOM,
# no awk rand(): both differ between bash/awk versions), every generated container (gzip, tar, zip,
# sqlite, xz, zstd, JPEG/PNG/GIF) is written without timestamps or host data, and file mtimes are
# set from the PRNG too.
#
# The first build for a (size, seed) goes to ${RG_CACHE:-/var/tmp/ransomguard-cache}/corpus-SIZE-SEED
# (built in a temp dir beside it and renamed into place when complete, under a flock); later calls
# `cp -a` the cache to OUT_DIR. A stamp file next to the cache (hash of this script + package
# versions) makes a stale cache rebuild by itself. OUT_DIR must not exist or be empty.
#
# Needs the packages in tests/packages.txt. Writes nothing outside OUT_DIR and the cache dir
# (TMPDIR and ImageMagick's temp path point into the build dir).
set -euo pipefail
export LC_ALL=C TZ=UTC
umask 022

PROG=${0##*/}
die() { echo "$PROG: $*" >&2; exit 1; }
usage() {
    echo "usage: $PROG [--seed N] [--size small|full] OUT_DIR" >&2
    exit 2
}

SEED=42
SIZE=small
while [ $# -gt 0 ]; do
    case $1 in
    --seed) [ $# -ge 2 ] || usage; SEED=$2; shift 2 ;;
    --seed=*) SEED=${1#*=}; shift ;;
    --size) [ $# -ge 2 ] || usage; SIZE=$2; shift 2 ;;
    --size=*) SIZE=${1#*=}; shift ;;
    -h | --help) usage ;;
    --) shift; break ;;
    -*) usage ;;
    *) break ;;
    esac
done
[ $# -eq 1 ] || usage
OUT=$1
[[ $SEED =~ ^[0-9]{1,9}$ ]] || die "--seed must be a non-negative integer (at most 9 digits)"
case $SIZE in small | full) ;; *) die "--size must be small or full" ;; esac

if [ -e "$OUT" ]; then
    [ -d "$OUT" ] || die "$OUT exists and is not a directory"
    [ -z "$(ls -A -- "$OUT")" ] || die "$OUT is not empty"
fi

SELF=$(readlink -f -- "${BASH_SOURCE[0]}")
CACHE_ROOT=${RG_CACHE:-/var/tmp/ransomguard-cache}
CACHE_DIR=$CACHE_ROOT/corpus-$SIZE-$SEED
STAMP_FILE=$CACHE_DIR.stamp
LOCK_FILE=$CACHE_ROOT/.corpus-$SIZE-$SEED.lock
CONVERT=/usr/bin/convert        # /usr/local/bin/convert may be a stand-in: always the real one
JOBS=$(nproc 2>/dev/null || echo 2)
[ "$JOBS" -ge 1 ] || JOBS=1

# ---------------------------------------------------------------------------------------------
# Packages whose files make up the corpus (all listed in tests/packages.txt).
PDF_PKGS=(r-doc-pdf lilypond-doc-pdf live-manual-pdf libtasn1-doc shared-mime-info)
IMG_PKGS=(desktop-base adwaita-icon-theme gnuplot-doc)
AUDIO_PKGS=(sound-theme-freedesktop)
MAN_PKGS=(manpages manpages-dev coreutils)
DOC_PKGS=(bash bzip2 coreutils file findutils git gnupg gzip imagemagick-6-common make manpages
    p7zip-full restic rsync sqlite3 tar unzip vim-runtime xz-utils zip zstd libsqlite3-0 zlib1g-dev
    liblzma-dev nettle-dev cmake-data desktop-base iso-codes shared-mime-info)
SRC_PKGS=(zlib1g-dev liblzma-dev nettle-dev cmake-data check libc6-dev linux-libc-dev git
    bash-completion vim-runtime)
DATA_PKGS=(iso-codes shared-mime-info fontconfig-config)
PERL_PKG=$(dpkg-query -W -f='${Package}\n' 'perl-modules-5.*' 2>/dev/null | sort | tail -n1 || true)
[ -n "$PERL_PKG" ] || PERL_PKG=perl-modules-5.36
TOOLS_PKGS=(imagemagick sqlite3 zip xz-utils zstd bzip2 groff-base file)
ALL_PKGS=("${PDF_PKGS[@]}" "${IMG_PKGS[@]}" "${AUDIO_PKGS[@]}" "${MAN_PKGS[@]}" "${DOC_PKGS[@]}"
    "${SRC_PKGS[@]}" "${DATA_PKGS[@]}" "$PERL_PKG" "${TOOLS_PKGS[@]}")
mapfile -t ALL_PKGS < <(printf '%s\n' "${ALL_PKGS[@]}" | sort -u)

check_packages() {
    local p missing=()
    for p in "${ALL_PKGS[@]}"; do
        case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
        *" installed") ;;
        *) missing+=("$p") ;;
        esac
    done
    [ ${#missing[@]} -eq 0 ] ||
        die "missing packages: ${missing[*]} (install tests/packages.txt: apt-get install \$(cat tests/packages.txt))"
    [[ $("$CONVERT" -version 2>/dev/null || true) == *ImageMagick* ]] || die "$CONVERT is not ImageMagick"
    local t
    for t in sqlite3 zip xz zstd bzip2 gzip tar groff flock; do
        command -v "$t" >/dev/null || die "missing tool: $t"
    done
}

stamp() {
    {
        sha256sum <"$SELF"
        dpkg-query -W -f='${Package} ${Version}\n' "${ALL_PKGS[@]}" 2>/dev/null | sort
        "$CONVERT" -version | sed -n 1p
        sqlite3 -version | cut -d' ' -f1
        echo "$SIZE $SEED"
    } | sha256sum | cut -c1-32
}

# ---------------------------------------------------------------------------------------------
# PRNG: 64-bit LCG (Knuth MMIX constants); bash arithmetic wraps modulo 2^64. R = 31-bit output.
_rs=0
R=0
rng_seed() { _rs=$(($1 * 2654435761 + 1013904223)); rnd; rnd; }
rnd() {
    _rs=$((_rs * 6364136223846793005 + 1442695040888963407))
    R=$(((_rs >> 33) & 0x7fffffff))
}
rint() { rnd; R=$((R % $1)); }                 # 0 .. $1-1
rrange() { rnd; R=$(($1 + R % ($2 - $1 + 1))); } # $1 .. $2
pick() { # pick ARRAY -> P
    local -n _pa=$1
    rint ${#_pa[@]}
    P=${_pa[R]}
}
# shuffle_take ARRAY N OUTARRAY: N distinct elements (cycling through reshuffles if N > size).
shuffle_take() {
    local -n _sa=$1 _so=$3
    local n=$2 len=${#_sa[@]} i j t
    local -a work
    _so=()
    [ "$len" -gt 0 ] || return 0
    while [ ${#_so[@]} -lt "$n" ]; do
        work=("${_sa[@]}")
        for ((i = 0; i < len && ${#_so[@]} < n; i++)); do
            rint $((len - i))
            j=$((i + R))
            t=${work[i]}
            work[i]=${work[j]}
            work[j]=$t
            _so+=("${work[i]}")
        done
    done
}
fmtd() { printf -v "$1" "%($3)T" "$2"; } # fmtd VAR EPOCH FORMAT

# ---------------------------------------------------------------------------------------------
# Pools: files of named packages (dpkg -L), regular files only, sorted.
pkg_files() { dpkg -L "$@" 2>/dev/null | sort -u; }
# sized MIN MAX: stdin paths -> regular (non-symlink) files with MIN <= size <= MAX, sorted.
sized() {
    { xargs -r -d '\n' stat -c '%F|%s|%n' -- 2>/dev/null || true; } | awk -v lo="$1" -v hi="$2" '{
        t = $0; i = index(t, "|"); ty = substr(t, 1, i - 1); t = substr(t, i + 1)
        i = index(t, "|"); s = substr(t, 1, i - 1) + 0; n = substr(t, i + 1)
        if (ty == "regular file" && s >= lo && s <= hi) print n
    }' | sort
}

shebang_only() { # stdin paths -> those whose first line is a #!/bin/sh or bash shebang
    local f l
    while IFS= read -r f; do
        l=
        IFS= read -r l <"$f" || true
        [[ $l == '#!'*/sh* || $l == '#!'*bash* ]] && printf '%s\n' "$f"
    done
    return 0
}

build_pools() {
    local doc_re big=$MAXF name
    mapfile -t POOL_PDF < <(pkg_files "${PDF_PKGS[@]}" | grep -E '\.pdf$' | sized 8192 "$big")
    mapfile -t POOL_PDFGZ < <(pkg_files "${PDF_PKGS[@]}" | grep -E '\.pdf\.gz$' | sized 1 "$big")
    mapfile -t POOL_ICON_PNG < <(pkg_files adwaita-icon-theme | grep -E '/(48x48|64x64|96x96|256x256|512x512)/.*\.png$' | sized 1024 "$big")
    mapfile -t POOL_ICON_BIG < <(pkg_files adwaita-icon-theme | grep -E '/(256x256|512x512)/.*\.png$' | sized 1 "$big")
    mapfile -t POOL_SVG < <(pkg_files adwaita-icon-theme desktop-base | grep -E '\.svg$' | sized 1024 "$big")
    mapfile -t POOL_WALL_SVG < <(pkg_files desktop-base | grep -E '/wallpaper.*\.svg$' | sized 1 "$big")
    mapfile -t POOL_RASTER < <(pkg_files desktop-base | grep -E '\.(png|jpg)$' | sized 40000 "$big")
    mapfile -t POOL_SMALL_RASTER < <(pkg_files desktop-base gnuplot-doc | grep -E '\.(png|jpg)$' | sized 4000 "$big")
    mapfile -t POOL_AUDIO < <(pkg_files "${AUDIO_PKGS[@]}" | grep -E '\.oga$' | sized 1 "$big")
    mapfile -t POOL_MAN < <(pkg_files "${MAN_PKGS[@]}" | grep -E '^/usr/share/man/man[1-8]/[^/]+\.gz$' | sized 1500 "$big")
    doc_re='^/usr/share/doc/[^/]+/(README|NEWS|TODO|AUTHORS|THANKS|changelog|copyright|FAQ|[^/]*\.txt|[^/]*\.md)'
    mapfile -t POOL_DOC < <(pkg_files "${DOC_PKGS[@]}" | grep -E "$doc_re" | grep -vE '\.(html?|pdf)' | sized 600 "$big")
    mapfile -t POOL_DOCGZ < <(printf '%s\n' "${POOL_DOC[@]}" | grep -E '\.gz$' | sized 2000 "$big")
    mapfile -t POOL_VIMDOC < <(pkg_files vim-runtime | grep -E '/doc/[a-z0-9_]+\.txt$' | sized 1 "$big")
    mapfile -t POOL_RST < <(pkg_files cmake-data | grep -E '\.rst$' | sized 1500 "$big")
    mapfile -t POOL_POD < <(pkg_files "$PERL_PKG" | grep -E '\.pod$' | sized 1 "$big")
    mapfile -t POOL_C < <(pkg_files "${SRC_PKGS[@]}" | grep -E '\.c$' | sized 800 "$big")
    mapfile -t POOL_H < <(pkg_files libc6-dev linux-libc-dev zlib1g-dev liblzma-dev nettle-dev | grep -E '^/usr/include/.*\.h$' | sized 1500 "$big")
    mapfile -t POOL_SH < <({
        pkg_files git | grep -E '^/usr/lib/git-core/git-[a-z-]+$'
        pkg_files gzip xz-utils bzip2 zstd | grep -E '^/usr/bin/'
    } | sized 600 "$big" | shebang_only)
    mapfile -t POOL_COMPL < <(pkg_files bash-completion | grep -E '/completions/[^/]+$' | sized 1500 "$big")
    mapfile -t POOL_PM < <(pkg_files "$PERL_PKG" | grep -E '\.pm$' | sized 2000 "$big")
    mapfile -t POOL_CMAKE < <(pkg_files cmake-data | grep -E '/Modules/[^/]+\.cmake$' | sized 2000 "$big")
    mapfile -t POOL_VIM < <(pkg_files vim-runtime | grep -E '/(ftplugin|syntax|autoload|indent)/[^/]+\.vim$' | sized 2000 "$big")
    mapfile -t POOL_JSON < <(pkg_files iso-codes | grep -E '/json/iso_[^/]+\.json$' | sized 1 "$big")
    mapfile -t POOL_XML < <({
        pkg_files fontconfig-config | grep -E '\.conf$'
        pkg_files shared-mime-info | grep -E '\.xml$'
        pkg_files desktop-base | grep -E '\.xml$'
    } | sized 600 "$big")
    mapfile -t POOL_CONF < <(pkg_files fontconfig-config | grep -E 'conf\.avail/.*\.conf$' | sized 1 "$big")
    mapfile -t POOL_LICENSE < <(printf '%s\n' /usr/share/common-licenses/{Apache-2.0,BSD,GPL-2,GPL-3,LGPL-2.1,MPL-2.0} | sized 1 "$big")
    for name in POOL_PDF POOL_PDFGZ POOL_ICON_PNG POOL_ICON_BIG POOL_SVG POOL_WALL_SVG POOL_RASTER \
        POOL_SMALL_RASTER POOL_AUDIO POOL_MAN POOL_DOC POOL_DOCGZ POOL_VIMDOC POOL_RST POOL_POD POOL_C \
        POOL_H POOL_SH POOL_COMPL POOL_PM POOL_CMAKE POOL_VIM POOL_JSON POOL_XML POOL_CONF POOL_LICENSE; do
        eval "[ \${#${name}[@]} -gt 0 ]" || die "empty source pool $name (missing package content?)"
    done
}

# ---------------------------------------------------------------------------------------------
# Output helpers. T = tree root (absolute), S = scratch dir.
U=
B=
declare -A MADE_DIRS=()
bn() { # bn PATH -> B: file name without directory, .gz and last extension (no fork)
    B=${1##*/}
    B=${B%.gz}
    B=${B%.*}
}
wall_name() { # wall_name PATH N -> B: the Nth directory component from the end (1 = parent)
    local IFS=/ parts
    read -r -a parts <<<"$1"
    B=${parts[${#parts[@]} - 1 - $2]}
}
mkdir_c() { [ -n "${MADE_DIRS[$1]:-}" ] || { mkdir -p -- "$1"; MADE_DIRS[$1]=1; }; }
uniq_dest() { # uniq_dest PATH -> U (non-existing path, parent created)
    local p=$1 d f stem ext i=2
    d=${p%/*}
    f=${p##*/}
    mkdir_c "$d"
    if [[ ! -e $p ]]; then U=$p; return; fi
    if [[ $f == ?*.* ]]; then stem=${f%%.*}; ext=.${f#*.}; else stem=$f; ext=; fi
    while [[ -e "$d/$stem-$i$ext" ]]; do i=$((i + 1)); done
    U="$d/$stem-$i$ext"
}
put() { # put SRC RELDEST [MODE]
    uniq_dest "$T/$2"
    cp -- "$1" "$U"
    [ -z "${3:-}" ] || chmod "$3" -- "$U"
}
put_gunzip() { # put_gunzip SRC.gz RELDEST
    uniq_dest "$T/$2"
    gzip -dc -- "$1" >"$U"
}
text_of() { # text_of SRC -> plain text on stdout (gunzips)
    case $1 in
    *.gz) gzip -dc -- "$1" ;;
    *) cat -- "$1" ;;
    esac
}
man_text() { # man_text SRC.gz -> rendered UTF-8 text on stdout
    gzip -dc -- "$1" | groff -t -k -man -Tutf8 -P-cbou 2>/dev/null | sed 's/[[:space:]]*$//' | cat -s
}
base_noext() {
    local b=${1##*/}
    b=${b%.gz}
    printf '%s' "${b%.*}"
}
# Strip control characters and invalid UTF-8 so the text is valid XML character data.
clean_text() { tr -d '\000-\010\013\014\016-\037\177' | iconv -f UTF-8 -t UTF-8 -c; }

# XML body from text lines (AWK: portable mawk/gawk code only).
xml_paras() { # xml_paras FLAVOR MAXLINES < text   (FLAVOR: odt|docx)
    clean_text | awk -v fl="$1" -v max="$2" '
        function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
        NR > max { next }
        {
            s = esc($0)
            if (fl == "odt") {
                if (s == "") print "<text:p/>"
                else print "<text:p text:style-name=\"P1\">" s "</text:p>"
            } else {
                if (s == "") print "<w:p/>"
                else print "<w:p><w:r><w:t xml:space=\"preserve\">" s "</w:t></w:r></w:p>"
            }
        }'
}

# zip_pkg OUT ZIPROOT FILE... : deterministic zip (fixed mtimes, no extra fields, given order;
# the first file is stored uncompressed: the OpenDocument mimetype rule). Removes ZIPROOT.
zip_pkg() {
    local out=$1 root=$2 first=$3
    shift 3
    find "$root" -exec touch -h -d @1577836800 {} +
    (cd "$root" && zip -X -D -q -0 "$out.tmp.zip" "$first" && zip -X -D -q -9 "$out.tmp.zip" "$@")
    mv -- "$out.tmp.zip" "$out"
    rm -rf -- "$root"
}
# zip_files OUT ZIPROOT FILE... : same, all entries deflated. Removes ZIPROOT.
zip_files() {
    local out=$1 root=$2
    shift 2
    find "$root" -exec touch -h -d @1577836800 {} +
    (cd "$root" && zip -X -D -q -6 "$out.tmp.zip" "$@")
    mv -- "$out.tmp.zip" "$out"
    rm -rf -- "$root"
}

ODT_NS='xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"'

odf_common() { # odf_common DIR MIMETYPE TITLE DATE [IMAGE]
    local d=$1 mt=$2 title=$3 date=$4 img=${5:-}
    mkdir -p "$d/META-INF"
    printf '%s' "$mt" >"$d/mimetype"
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        echo " <manifest:file-entry manifest:full-path=\"/\" manifest:version=\"1.2\" manifest:media-type=\"$mt\"/>"
        echo ' <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        echo ' <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
        echo ' <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        [ -z "$img" ] || echo " <manifest:file-entry manifest:full-path=\"Pictures/$img\" manifest:media-type=\"image/${img##*.}\"/>"
        echo '</manifest:manifest>'
    } >"$d/META-INF/manifest.xml"
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo "<office:document-meta $ODT_NS office:version=\"1.2\"><office:meta>"
        echo "<meta:generator>LibreOffice/7.4.7.2\$Linux_X86_64 LibreOffice_project/40\$Build-2</meta:generator>"
        echo "<dc:title>$title</dc:title><meta:creation-date>$date</meta:creation-date><dc:date>$date</dc:date>"
        echo '</office:meta></office:document-meta>'
    } >"$d/meta.xml"
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo "<office:document-styles $ODT_NS office:version=\"1.2\"><office:styles>"
        echo '<style:style style:name="Standard" style:family="paragraph"/>'
        echo '<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph"><style:text-properties fo:font-size="18pt" fo:font-weight="bold"/></style:style>'
        echo '</office:styles></office:document-styles>'
    } >"$d/styles.xml"
}

xml_attr() { printf '%s' "$1" | clean_text | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }

make_odt() { # make_odt OUT TITLE DATE TEXTFILE [IMAGEFILE]
    local out=$1 title date=$3 txt=$4 img=${5:-} d iname=
    title=$(xml_attr "$2")
    d=$(mktemp -d "$S/odt.XXXXXX")
    if [ -n "$img" ]; then iname=image1.${img##*.}; mkdir -p "$d/Pictures"; cp -- "$img" "$d/Pictures/$iname"; fi
    odf_common "$d" application/vnd.oasis.opendocument.text "$title" "$date" "$iname"
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo "<office:document-content $ODT_NS office:version=\"1.2\">"
        echo '<office:automatic-styles><style:style style:name="P1" style:family="paragraph" style:parent-style-name="Standard"/></office:automatic-styles>'
        echo '<office:body><office:text>'
        echo "<text:h text:style-name=\"Heading_20_1\" text:outline-level=\"1\">$title</text:h>"
        if [ -n "$iname" ]; then
            echo "<text:p><draw:frame draw:name=\"Image1\" text:anchor-type=\"paragraph\" svg:width=\"16cm\" svg:height=\"9cm\"><draw:image xlink:href=\"Pictures/$iname\" xlink:type=\"simple\" xlink:show=\"embed\" xlink:actuate=\"onLoad\"/></draw:frame></text:p>"
        fi
        xml_paras odt "$ODT_MAXLINES" <"$txt"
        echo '</office:text></office:body></office:document-content>'
    } >"$d/content.xml"
    local files=(META-INF/manifest.xml content.xml styles.xml meta.xml)
    [ -z "$iname" ] || files+=("Pictures/$iname")
    zip_pkg "$out" "$d" mimetype "${files[@]}"
}

OOXML_REL='http://schemas.openxmlformats.org/officeDocument/2006/relationships'
ooxml_core() { # ooxml_core DIR TITLE DATE
    mkdir -p "$1/docProps" "$1/_rels"
    {
        echo '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        echo '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        echo "<dc:title>$2</dc:title><dc:creator>Alex Example</dc:creator>"
        echo "<dcterms:created xsi:type=\"dcterms:W3CDTF\">$3</dcterms:created><dcterms:modified xsi:type=\"dcterms:W3CDTF\">$3</dcterms:modified>"
        echo '</cp:coreProperties>'
    } >"$1/docProps/core.xml"
}

make_docx() { # make_docx OUT TITLE DATE TEXTFILE [JPEGFILE]
    local out=$1 title date=$3 txt=$4 img=${5:-} d
    title=$(xml_attr "$2")
    d=$(mktemp -d "$S/docx.XXXXXX")
    mkdir -p "$d/word/_rels"
    ooxml_core "$d" "$title" "$date"
    {
        echo '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        echo '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        echo '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        echo '<Default Extension="xml" ContentType="application/xml"/>'
        echo '<Default Extension="jpeg" ContentType="image/jpeg"/>'
        echo '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        echo '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        echo '</Types>'
    } >"$d/[Content_Types].xml"
    {
        echo '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        echo '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        echo "<Relationship Id=\"rId1\" Type=\"$OOXML_REL/officeDocument\" Target=\"word/document.xml\"/>"
        echo '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        echo '</Relationships>'
    } >"$d/_rels/.rels"
    {
        echo '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        echo '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        [ -z "$img" ] || echo "<Relationship Id=\"rIdImg1\" Type=\"$OOXML_REL/image\" Target=\"media/image1.jpeg\"/>"
        echo '</Relationships>'
    } >"$d/word/_rels/document.xml.rels"
    {
        echo '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        echo "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:r=\"$OOXML_REL\" xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><w:body>"
        echo "<w:p><w:pPr><w:pStyle w:val=\"Title\"/></w:pPr><w:r><w:t>$title</w:t></w:r></w:p>"
        if [ -n "$img" ]; then
            echo '<w:p><w:r><w:drawing><wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="5486400" cy="3086100"/><wp:docPr id="1" name="Picture 1"/><a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic><pic:nvPicPr><pic:cNvPr id="0" name="image1.jpeg"/><pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="rIdImg1"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="5486400" cy="3086100"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>'
        fi
        xml_paras docx "$ODT_MAXLINES" <"$txt"
        echo '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'
    } >"$d/word/document.xml"
    local files=(_rels/.rels docProps/core.xml word/document.xml word/_rels/document.xml.rels)
    if [ -n "$img" ]; then mkdir -p "$d/word/media"; cp -- "$img" "$d/word/media/image1.jpeg"; files+=(word/media/image1.jpeg); fi
    zip_pkg "$out" "$d" '[Content_Types].xml' "${files[@]}"
}

# Spreadsheet cells from a simple CSV (no quoted commas): numbers stay numbers.
sheet_xml() { # sheet_xml FLAVOR(xlsx|ods) < csv
    clean_text | awk -F, -v fl="$1" '
        function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s); return s }
        function col(n,   s) { s = ""; while (n > 0) { s = substr("ABCDEFGHIJKLMNOPQRSTUVWXYZ", (n - 1) % 26 + 1, 1) s; n = int((n - 1) / 26) } return s }
        function isnum(v) { return v ~ /^-?[0-9]+(\.[0-9]+)?$/ }
        {
            if (fl == "xlsx") printf "<row r=\"%d\">", NR; else printf "<table:table-row>"
            for (i = 1; i <= NF; i++) {
                v = $i; gsub(/^"|"$/, "", v)
                if (fl == "xlsx") {
                    if (isnum(v)) printf "<c r=\"%s%d\"><v>%s</v></c>", col(i), NR, v
                    else printf "<c r=\"%s%d\" t=\"inlineStr\"><is><t>%s</t></is></c>", col(i), NR, esc(v)
                } else {
                    if (isnum(v)) printf "<table:table-cell office:value-type=\"float\" office:value=\"%s\"><text:p>%s</text:p></table:table-cell>", v, v
                    else printf "<table:table-cell office:value-type=\"string\"><text:p>%s</text:p></table:table-cell>", esc(v)
                }
            }
            if (fl == "xlsx") print "</row>"; else print "</table:table-row>"
        }'
}

make_xlsx() { # make_xlsx OUT TITLE DATE CSVFILE
    local out=$1 title date=$3 csv=$4 d sheet
    title=$(xml_attr "$2")
    d=$(mktemp -d "$S/xlsx.XXXXXX")
    mkdir -p "$d/xl/_rels" "$d/xl/worksheets"
    ooxml_core "$d" "$title" "$date"
    {
        echo '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        echo '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        echo '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        echo '<Default Extension="xml" ContentType="application/xml"/>'
        echo '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        echo '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        echo '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        echo '</Types>'
    } >"$d/[Content_Types].xml"
    {
        echo '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        echo '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        echo "<Relationship Id=\"rId1\" Type=\"$OOXML_REL/officeDocument\" Target=\"xl/workbook.xml\"/>"
        echo '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        echo '</Relationships>'
    } >"$d/_rels/.rels"
    sheet=$(printf '%s' "$2" | tr -c 'A-Za-z0-9 _-' ' ' | cut -c1-31)
    {
        echo '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        echo "<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"$OOXML_REL\"><sheets><sheet name=\"$sheet\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>"
    } >"$d/xl/workbook.xml"
    {
        echo '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        echo '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        echo "<Relationship Id=\"rId1\" Type=\"$OOXML_REL/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
        echo '</Relationships>'
    } >"$d/xl/_rels/workbook.xml.rels"
    {
        echo '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        echo '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        sheet_xml xlsx <"$csv"
        echo '</sheetData></worksheet>'
    } >"$d/xl/worksheets/sheet1.xml"
    zip_pkg "$out" "$d" '[Content_Types].xml' _rels/.rels docProps/core.xml xl/workbook.xml \
        xl/_rels/workbook.xml.rels xl/worksheets/sheet1.xml
}

make_ods() { # make_ods OUT TITLE DATE CSVFILE
    local out=$1 title date=$3 csv=$4 d
    title=$(xml_attr "$2")
    d=$(mktemp -d "$S/ods.XXXXXX")
    odf_common "$d" application/vnd.oasis.opendocument.spreadsheet "$title" "$date"
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo "<office:document-content $ODT_NS office:version=\"1.2\"><office:body><office:spreadsheet>"
        echo '<table:table table:name="Sheet1">'
        sheet_xml ods <"$csv"
        echo '</table:table></office:spreadsheet></office:body></office:document-content>'
    } >"$d/content.xml"
    zip_pkg "$out" "$d" mimetype META-INF/manifest.xml content.xml styles.xml meta.xml
}

# Deterministic tar (GNU tar): sorted names, fixed owner and mtime.
tar_det() { # tar_det OUT.tar -C DIR NAMES...
    local out=$1
    shift
    tar --sort=name --mtime=@1600000000 --owner=0 --group=0 --numeric-owner --format=gnu -cf "$out" "$@"
}

# ---------------------------------------------------------------------------------------------
# Names.
PROJECTS=(website-redesign q3-audit thesis home-renovation grant-proposal garden-plan tax-return
    conference-talk book-club migration-plan newsletter family-tree marathon-training kitchen-remodel
    volunteer-fair client-acme onboarding budget-review photo-book research-notes)
EVENTS=(Hiking Birthday Beach Christmas City-Trip Garden Concert Wedding Family Holiday Museum
    Snow Picnic Graduation Roadtrip Camping Zoo Festival Harbour Lake)
SRC_PROJECTS=(netwatch imgtool kvstore dotfiles-tools homepage-gen logparse tinyhttpd backup-scripts)
YEARS=(2021 2022 2023 2024 2025)
WORDS=(notes draft final summary minutes plan review outline report overview checklist letter
    proposal agenda budget contract invoice quote feedback ideas)

# ---------------------------------------------------------------------------------------------
# Size profiles.
set_profile() {
    if [ "$SIZE" = small ]; then
        MAXF=$((3 * 1024 * 1024))
        N_PDF=22 N_PDF_DL=2 N_PHOTO=24 N_SHOT=4 N_WALL=3 N_ICON=8 N_SVG=5 N_GIF=4 N_ANIM=1
        N_NOTES=12 N_MD=6 N_DOCS=8 N_VIMDOC=3 N_ODT=4 N_DOCX=4 N_XLSX=3 N_ODS=2
        N_SRCPROJ=2 N_C=7 N_H=6 N_SH=2 N_BIN=4 N_GZDOC=4 N_DATA_JSON=3 N_XML=3 N_AUDIO=5 N_CONF=3
        LOG_BYTES=$((2600 * 1024)) LIBRARY_KB=2400 FIN_ROWS=4000 PHOTO_GEOMS=(1600x1200 1920x1080 1280x960 1440x1080)
        ODT_MAXLINES=600 N_BACKUP=1
        NOISE_GEOM=1920x1200 NOISE_ATT=(1.2 1.7 2.2)
    else
        MAXF=$((20 * 1024 * 1024))
        N_PDF=105 N_PDF_DL=12 N_PHOTO=160 N_SHOT=25 N_WALL=15 N_ICON=110 N_SVG=45 N_GIF=20 N_ANIM=4
        N_NOTES=80 N_MD=40 N_DOCS=80 N_VIMDOC=20 N_ODT=25 N_DOCX=25 N_XLSX=16 N_ODS=8
        N_SRCPROJ=8 N_C=10 N_H=10 N_SH=3 N_BIN=25 N_GZDOC=30 N_DATA_JSON=8 N_XML=15 N_AUDIO=18 N_CONF=12
        LOG_BYTES=$((19 * 1024 * 1024)) LIBRARY_KB=19500 FIN_ROWS=30000 PHOTO_GEOMS=(1920x1080 2048x1536 2400x1600 1600x1200 1920x1280)
        ODT_MAXLINES=2500 N_BACKUP=4
        NOISE_GEOM=2400x1600 NOISE_ATT=(1.2 1.7 2.2)
    fi
}

# ---------------------------------------------------------------------------------------------
# Content builders.
declare -A YEAR_LO=([2021]=1609459200 [2022]=1640995200 [2023]=1672531200 [2024]=1704067200 [2025]=1735689600)
rand_date() { # rand_date YEAR -> D (epoch inside that year, before 2025-10-31)
    local y=$1 lo hi
    lo=${YEAR_LO[$y]}
    hi=$((lo + 364 * 86400))
    [ "$y" -lt 2025 ] || hi=1761782400 # 2025-10-30
    rnd
    D=$((lo + R % (hi - lo)))
}

add_pdfs() {
    local -a sel
    local f y p i=0 dest
    shuffle_take POOL_PDF "$N_PDF" sel
    for f in "${sel[@]}"; do
        rint 4
        case $R in
        0 | 1) dest="Documents/Manuals/${f##*/}" ;;
        2) pick PROJECTS; p=$P; pick YEARS; dest="Documents/Projects/$P/$p/${f##*/}" ;;
        3) pick YEARS; dest="Documents/Reading/$P/${f##*/}" ;;
        esac
        put "$f" "$dest"
        i=$((i + 1))
    done
    shuffle_take POOL_PDFGZ $((N_PDF_DL)) sel
    for f in "${sel[@]}"; do
        local b=${f##*/}
        put_gunzip "$f" "Downloads/${b%.gz}"
    done
    # a few "downloaded twice" copies, as browsers name them
    shuffle_take POOL_PDF $((N_PDF_DL / 2 + 1)) sel
    for f in "${sel[@]}"; do
        local b=${f##*/}
        put "$f" "Downloads/${b%.pdf} (1).pdf"
    done
}

declare -a RASTER_W RASTER_H
raster_dims() {
    local i line
    local -a dims
    mapfile -t dims < <(/usr/bin/identify -ping -format '%w %h\n' "${POOL_RASTER[@]}" 2>/dev/null)
    [ ${#dims[@]} -eq ${#POOL_RASTER[@]} ] || die "identify failed on the raster pool"
    for i in "${!POOL_RASTER[@]}"; do
        line=${dims[i]}
        RASTER_W[i]=${line% *}
        RASTER_H[i]=${line#* }
    done
}

JOBFILE=
job() { printf '%q ' "$@" >>"$JOBFILE"; printf '\n' >>"$JOBFILE"; }

plan_images() {
    local i n si w h cw ch ox oy geom dir day y ev nt gw gh dd ts
    raster_dims
    # Three film-grain textures (seeded Gaussian noise around mid-grey), made once, single-threaded
    # so the pixels do not depend on the core count; every photo overlays a shifted crop of one.
    for nt in 0 1 2; do
        MAGICK_THREAD_LIMIT=1 "$CONVERT" -size "$NOISE_GEOM" xc:gray50 -seed $((SEED * 10 + nt + 1)) \
            -attenuate "${NOISE_ATT[nt]}" +noise Gaussian "$S/noise-$nt.mpc"
    done
    # Photos: crops of the packaged wallpapers and artwork, scaled, mirrored, grain, JPEG.
    n=0
    while [ $n -lt "$N_PHOTO" ]; do
        pick YEARS; y=$P
        pick EVENTS; ev=$P
        rand_date "$y"; day=$D
        fmtd dd "$day" %Y-%m-%d
        dir="Pictures/$y/$dd $ev"
        rrange 2 9
        local k cnt=$R
        for ((k = 0; k < cnt && n < N_PHOTO; k++)); do
            rint ${#POOL_RASTER[@]}; si=$R
            w=${RASTER_W[si]}; h=${RASTER_H[si]}
            rrange 60 100; cw=$((w * R / 100))
            rrange 60 100; ch=$((h * R / 100))
            rint $((w - cw + 1)); ox=$R
            rint $((h - ch + 1)); oy=$R
            pick PHOTO_GEOMS; geom=$P
            gw=${geom%x*}; gh=${geom#*x}
            local flop=() q rx ry
            rint 2; [ $R -eq 0 ] || flop=(-flop)
            rint 3; nt=$R
            rint "$gw"; rx=$R
            rint "$gh"; ry=$R
            rrange 84 94; q=$R
            fmtd ts $((day + k * 97)) %Y%m%d_%H%M%S
            uniq_dest "$T/$dir/IMG_$ts.jpg"
            : >"$U"
            job "$CONVERT" "${POOL_RASTER[si]}" -crop "${cw}x${ch}+${ox}+${oy}" +repage -scale "${geom}!" \
                "${flop[@]}" \( "$S/noise-$nt.mpc" -roll "+$rx+$ry" -crop "${geom}+0+0" +repage \) \
                -compose overlay -composite -strip -sampling-factor 2x2 -quality "$q" "$U"
            n=$((n + 1))
        done
    done
    # Screenshots: PNG renderings of plots and artwork.
    for ((i = 0; i < N_SHOT; i++)); do
        pick POOL_SMALL_RASTER
        local src=$P sz
        pick YEARS; rand_date "$P"
        local -a shot_sizes=(1366x768 1920x1080 1280x800)
        rint 3; sz=${shot_sizes[R]}
        fmtd ts "$D" "%Y-%m-%d %H-%M-%S"
        uniq_dest "$T/Pictures/Screenshots/Screenshot from $ts.png"
        : >"$U"
        job "$CONVERT" "$src" -scale "${sz}!" -strip -define png:exclude-chunks=date,time "$U"
    done
    # GIFs from icons, and a few animated ones.
    local -a sel
    shuffle_take POOL_ICON_BIG "$N_GIF" sel
    for P in "${sel[@]}"; do
        bn "$P"
        uniq_dest "$T/Pictures/Icons/gif/$B.gif"
        : >"$U"
        rint 2
        if [ $R -eq 0 ]; then job "$CONVERT" "$P" -strip "$U"; else job "$CONVERT" "$P" -resize 128x128 -strip "$U"; fi
    done
    for ((i = 0; i < N_ANIM; i++)); do
        shuffle_take POOL_ICON_BIG 6 sel
        uniq_dest "$T/Pictures/Memes/animation-$((i + 1)).gif"
        : >"$U"
        job "$CONVERT" -delay 25 -loop 0 "${sel[@]}" -resize 192x192 -strip "$U"
    done
}

add_static_images() {
    local -a sel
    local f
    shuffle_take POOL_ICON_PNG "$N_ICON" sel
    for f in "${sel[@]}"; do
        bn "$f"
        rint 3
        case $R in
        0) put "$f" "Pictures/Icons/$B.png" ;;
        1) put "$f" ".local/share/icons/$B.png" ;;
        2) pick SRC_PROJECTS; put "$f" "src/$P/assets/$B.png" ;;
        esac
    done
    shuffle_take POOL_SVG "$N_SVG" sel
    for f in "${sel[@]}"; do
        bn "$f"
        put "$f" "Pictures/Icons/svg/$B.svg"
    done
    shuffle_take POOL_RASTER "$N_WALL" sel
    local i=0
    for f in "${sel[@]}"; do
        i=$((i + 1))
        if [ $((i % 3)) -eq 0 ] && [ ${#POOL_WALL_SVG[@]} -gt 0 ]; then
            pick POOL_WALL_SVG
            wall_name "$P" 4; put "$P" "Pictures/Wallpapers/$B-${P##*/}"
        else
            local ext=${f##*.}
            wall_name "$f" 1; local w=$B; bn "$f"
            put "$f" "Pictures/Wallpapers/$w-$B.$ext"
        fi
    done
    shuffle_take POOL_AUDIO "$N_AUDIO" sel
    for f in "${sel[@]}"; do
        put "$f" "Music/Freedesktop Sound Theme/Stereo/${f##*/}"
    done
}

# Rendered man pages as notes: rendering (groff) runs in the background job pool.
plan_notes() {
    local -a sel
    local f
    shuffle_take POOL_MAN "$N_NOTES" sel
    for f in "${sel[@]}"; do
        bn "$f"
        rint 3
        case $R in
        0) uniq_dest "$T/Documents/Notes/$B.txt" ;;
        1) pick PROJECTS; local pj=$P; pick YEARS; uniq_dest "$T/Documents/Projects/$P/$pj/notes/$B.txt" ;;
        2) uniq_dest "$T/Documents/Reference/man/$B.txt" ;;
        esac
        : >"$U"
        printf 'gzip -dc -- %q | groff -t -k -man -Tutf8 -P-cbou 2>/dev/null | sed "s/[[:space:]]*\\$//" | cat -s >%q; [ -s %q ] || gzip -dc -- %q >%q\n' \
            "$f" "$U" "$U" "$f" "$U" >>"$JOBFILE"
    done
}

# Plain-text documents: package docs, vim help, cmake rst, perl pod.
add_texts() {
    local -a sel
    local f
    shuffle_take POOL_DOC "$N_DOCS" sel
    for f in "${sel[@]}"; do
        local pkg b
        pkg=${f#/usr/share/doc/}
        pkg=${pkg%%/*}
        b=${f##*/}
        b=${b%.gz}
        uniq_dest "$T/Documents/Reference/$pkg/$b"
        text_of "$f" >"$U"
    done
    shuffle_take POOL_VIMDOC "$N_VIMDOC" sel
    for f in "${sel[@]}"; do put "$f" "Documents/Manuals/vim/${f##*/}"; done
    # Markdown notes made from rst/pod pages.
    local -a pods
    shuffle_take POOL_RST $(((N_MD + 1) / 2)) sel
    shuffle_take POOL_POD $((N_MD / 2)) pods
    sel+=("${pods[@]}")
    for f in "${sel[@]}"; do
        bn "$f"
        pick PROJECTS
        local pj=$P; pick YEARS; uniq_dest "$T/Documents/Projects/$P/$pj/$B.md"
        {
            echo "# $B"
            echo
            sed -e 's/^=head1 /## /' -e 's/^=head2 /### /' -e '/^=\(cut\|pod\|over\|back\|item\)/d' -- "$f"
        } >"$U"
    done
}

# Source trees: real C, headers, shell, perl, cmake from packages, with a generated Makefile.
add_src() {
    local -a sel projs
    local p f objs d
    shuffle_take SRC_PROJECTS "$N_SRCPROJ" projs
    for p in "${projs[@]}"; do
        d="src/$p"
        shuffle_take POOL_C "$N_C" sel
        objs=
        for f in "${sel[@]}"; do
            rint 5
            if [ $R -eq 0 ]; then put "$f" "$d/tests/unit/test_${f##*/}"; else put "$f" "$d/src/${f##*/}"; fi
            objs+=" ${U#"$T/$d/"}"
        done
        shuffle_take POOL_H "$N_H" sel
        for f in "${sel[@]}"; do put "$f" "$d/include/${f##*/}"; done
        shuffle_take POOL_SH "$N_SH" sel
        for f in "${sel[@]}"; do bn "$f"; put "$f" "$d/scripts/$B.sh" 755; done
        pick POOL_PM; put "$P" "$d/tools/${P##*/}"
        pick POOL_CMAKE; put "$P" "$d/cmake/${P##*/}"
        pick POOL_LICENSE; put "$P" "$d/LICENSE"
        pick POOL_DOC; uniq_dest "$T/$d/ChangeLog"; text_of "$P" >"$U"
        pick POOL_MAN; uniq_dest "$T/$d/docs/$p.1"; text_of "$P" >"$U"
        uniq_dest "$T/$d/README.md"
        {
            echo "# $p"
            echo
            echo "Build with \`make\`, install with \`make install PREFIX=~/.local\`."
            echo
            pick POOL_RST
            text_of "$P" | sed -n 1,60p
        } >"$U"
        uniq_dest "$T/$d/Makefile"
        {
            echo "# Makefile for $p"
            echo "CC ?= cc"
            echo "CFLAGS ?= -O2 -g -Wall"
            echo "CPPFLAGS += -Iinclude"
            echo "SRCS :=$objs"
            echo 'OBJS := $(SRCS:.c=.o)'
            echo
            echo "all: $p"
            echo
            echo "$p: \$(OBJS)"
            printf '\t$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)\n'
            echo
            echo "clean:"
            printf '\trm -f $(OBJS) %s\n' "$p"
            echo
            echo ".PHONY: all clean"
        } >"$U"
        printf '*.o\n/%s\n' "$p" >"$T/$d/.gitignore"
    done
    shuffle_take POOL_SH "$N_BIN" sel
    for f in "${sel[@]}"; do bn "$f"; put "$f" "bin/$B" 755; done
    shuffle_take POOL_COMPL $((N_BIN / 2 + 1)) sel
    for f in "${sel[@]}"; do put "$f" ".local/share/bash-completion/completions/${f##*/}"; done
    shuffle_take POOL_VIM $((N_BIN / 2 + 1)) sel
    for f in "${sel[@]}"; do wall_name "$f" 1; put "$f" ".vim/$B/${f##*/}"; done
}

# Dotfiles and configs.
add_config() {
    local -a sel
    local f
    for f in /etc/skel/.bashrc /etc/skel/.profile /etc/skel/.bash_logout; do
        [ -f "$f" ] && put "$f" "${f##*/}"
    done
    shuffle_take POOL_CONF "$N_CONF" sel
    for f in "${sel[@]}"; do put "$f" ".config/fontconfig/conf.d/${f##*/}"; done
    mkdir -p "$T/.config/git"
    printf '[user]\n\tname = Alex Example\n\temail = alex@example.org\n[init]\n\tdefaultBranch = main\n[pull]\n\trebase = true\n' >"$T/.config/git/config"
    cat >"$T/.config/user-dirs.dirs" <<'EOF'
XDG_DESKTOP_DIR="$HOME/Desktop"
XDG_DOWNLOAD_DIR="$HOME/Downloads"
XDG_DOCUMENTS_DIR="$HOME/Documents"
XDG_MUSIC_DIR="$HOME/Music"
XDG_PICTURES_DIR="$HOME/Pictures"
EOF
    mkdir -p "$T/.config/notes-app"
    rint 1000
    printf '{\n  "theme": "dark",\n  "fontSize": %d,\n  "autosave": true,\n  "recent": [\n    "Documents/Notes",\n    "Documents/Projects"\n  ],\n  "windowId": %d\n}\n' $((10 + R % 8)) "$R" >"$T/.config/notes-app/settings.json"
}

# Data: JSON/XML copies, CSV/JSON exports, finance sheets, sqlite databases.
fin_csv() { # fin_csv SEED YEAR ROWS > csv   (MINSTD LCG in awk: exact in doubles, any awk)
    awk -v s="$1" -v y="$2" -v n="$3" 'BEGIN {
        split("Groceries,Rent,Utilities,Salary,Restaurant,Fuel,Insurance,Books,Pharmacy,Transfer,Phone,Gym,Travel,Gifts,Hardware", cat, ",")
        split("Supermarket Lidl,Landlord GmbH,City Power,ACME Corp,Pizzeria Roma,Shell Station,HUK Insurance,Bookshop,Apotheke,Savings,Telekom,FitX,Deutsche Bahn,Amazon,Hardware Store", who, ",")
        split("31,28,31,30,31,30,31,31,30,31,30,31", ml, ",")
        x = (s % 2147483646) + 1
        print "date,category,payee,amount,balance"
        bal = 2500
        for (i = 0; i < n; i++) {
            x = (x * 48271) % 2147483647; m = int(i * 12 / n) + 1
            x = (x * 48271) % 2147483647; d = x % ml[m] + 1
            x = (x * 48271) % 2147483647; c = x % 15 + 1
            x = (x * 48271) % 2147483647; a = (x % 20000) / 100
            if (c == 4) a = 3000 + (x % 50000) / 100; else a = -a
            bal += a
            printf "%04d-%02d-%02d,%s,%s,%.2f,%.2f\n", y, m, d, cat[c], who[c], a, bal
        }
    }'
}

add_data() {
    local -a sel
    local f y db
    shuffle_take POOL_JSON "$N_DATA_JSON" sel
    for f in "${sel[@]}"; do put "$f" "Documents/Data/iso-codes/${f##*/}"; done
    shuffle_take POOL_XML "$N_XML" sel
    for f in "${sel[@]}"; do
        local b=${f##*/}
        [[ $b == *.xml ]] || b=$b.xml
        put "$f" "Documents/Data/xml/$b"
    done

    # countries.sqlite from iso-codes JSON (real data), then CSV/JSON exports of it.
    db=$T/Documents/Data/countries.sqlite
    mkdir -p "${db%/*}"
    local j=/usr/share/iso-codes/json
    sqlite3 "$db" <<EOF
PRAGMA page_size=4096;
CREATE TABLE countries(alpha_2 TEXT PRIMARY KEY, alpha_3 TEXT, numeric TEXT, name TEXT, official_name TEXT, flag TEXT);
CREATE TABLE subdivisions(code TEXT PRIMARY KEY, name TEXT, type TEXT, parent TEXT);
CREATE TABLE languages(alpha_3 TEXT PRIMARY KEY, name TEXT, scope TEXT, type TEXT);
CREATE TABLE currencies(alpha_3 TEXT PRIMARY KEY, name TEXT, numeric TEXT);
BEGIN;
INSERT OR IGNORE INTO countries SELECT json_extract(value,'\$.alpha_2'), json_extract(value,'\$.alpha_3'), json_extract(value,'\$.numeric'), json_extract(value,'\$.name'), json_extract(value,'\$.official_name'), json_extract(value,'\$.flag') FROM json_each(readfile('$j/iso_3166-1.json'), '\$."3166-1"');
INSERT OR IGNORE INTO subdivisions SELECT json_extract(value,'\$.code'), json_extract(value,'\$.name'), json_extract(value,'\$.type'), json_extract(value,'\$.parent') FROM json_each(readfile('$j/iso_3166-2.json'), '\$."3166-2"');
INSERT OR IGNORE INTO languages SELECT json_extract(value,'\$.alpha_3'), json_extract(value,'\$.name'), json_extract(value,'\$.scope'), json_extract(value,'\$.type') FROM json_each(readfile('$j/iso_639-3.json'), '\$."639-3"');
INSERT OR IGNORE INTO currencies SELECT json_extract(value,'\$.alpha_3'), json_extract(value,'\$.name'), json_extract(value,'\$.numeric') FROM json_each(readfile('$j/iso_4217.json'), '\$."4217"');
COMMIT;
CREATE INDEX subdivisions_parent ON subdivisions(substr(code,1,2));
CREATE INDEX languages_name ON languages(name);
EOF
    sqlite3 -csv -header "$db" 'SELECT alpha_2,alpha_3,numeric,replace(name,",",""),flag FROM countries ORDER BY alpha_2' >"$T/Documents/Data/countries.csv"
    sqlite3 -csv -header "$db" 'SELECT alpha_3,replace(name,",",""),numeric FROM currencies ORDER BY alpha_3' >"$T/Documents/Data/currencies.csv"
    sqlite3 -csv -header "$db" 'SELECT alpha_3,replace(name,",",""),scope,type FROM languages ORDER BY alpha_3' >"$T/Documents/Data/languages.csv"
    sqlite3 -json "$db" 'SELECT * FROM subdivisions ORDER BY code' >"$T/Documents/Data/subdivisions.json"

    # Finance: one CSV + one spreadsheet per year, a sqlite ledger.
    local ledger=$T/.local/share/money-app/ledger.sqlite
    mkdir -p "${ledger%/*}"
    sqlite3 "$ledger" 'PRAGMA page_size=4096; CREATE TABLE tx(id INTEGER PRIMARY KEY, date TEXT, category TEXT, payee TEXT, amount REAL, balance REAL);'
    for y in "${YEARS[@]}"; do
        rnd
        local csv="$T/Documents/Finance/$y/transactions-$y.csv"
        mkdir -p "${csv%/*}"
        fin_csv "$R" "$y" $((FIN_ROWS / 5)) >"$csv"
        sqlite3 "$ledger" ".import --csv '$csv' tx_import"
        sqlite3 "$ledger" "INSERT INTO tx(date,category,payee,amount,balance) SELECT date,category,payee,amount,balance FROM tx_import; DROP TABLE tx_import;"
    done
    sqlite3 "$ledger" 'CREATE INDEX tx_date ON tx(date); CREATE INDEX tx_cat ON tx(category, date);'
    sqlite3 -json "$ledger" 'SELECT category, count(*) AS n, round(sum(amount),2) AS total FROM tx GROUP BY category ORDER BY category' \
        >"$T/Documents/Finance/summary-by-category.json"
    # Per-year exports (JSON, CSV) and, in the full corpus, a yearly ledger database each.
    for y in "${YEARS[@]}"; do
        local ydir=$T/Documents/Finance/$y
        sqlite3 -json "$ledger" "SELECT substr(date,1,7) AS month, category, count(*) AS n, round(sum(amount),2) AS total FROM tx WHERE date LIKE '$y-%' GROUP BY 1, 2 ORDER BY 1, 2" >"$ydir/monthly-$y.json"
        sqlite3 -csv -header "$ledger" "SELECT substr(date,1,7) AS month, round(sum(CASE WHEN amount > 0 THEN amount END),2) AS income, round(sum(CASE WHEN amount < 0 THEN amount END),2) AS spent FROM tx WHERE date LIKE '$y-%' GROUP BY 1 ORDER BY 1" >"$ydir/monthly-$y.csv"
        if [ "$SIZE" = full ]; then
            sqlite3 "$ydir/ledger-$y.sqlite" "PRAGMA page_size=4096; ATTACH '$ledger' AS src; CREATE TABLE tx AS SELECT * FROM src.tx WHERE date LIKE '$y-%' ORDER BY id; CREATE INDEX tx_date ON tx(date); CREATE INDEX tx_payee ON tx(payee, date);"
        fi
    done
    # Full corpus: a symbol index per source project, as editors and code browsers keep.
    if [ "$SIZE" = full ]; then
        local pdir
        while IFS= read -r pdir; do
            (cd "$pdir" && find . -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z | xargs -0 -r grep -Hn -E '^#define[[:space:]]+[A-Za-z_]' || true) |
                awk -F: '{ n = $3; sub(/^#define[[:space:]]+/, "", n); sub(/[^A-Za-z0-9_].*/, "", n); if (n != "") printf "%s,%s,%d\n", n, $1, $2 }' >"$S/symbols.csv"
            mkdir -p "$pdir/.cache"
            sqlite3 "$pdir/.cache/symbols.sqlite" "PRAGMA page_size=4096; CREATE TABLE symbols(name TEXT, file TEXT, line INTEGER);" ".import --csv '$S/symbols.csv' symbols" "CREATE INDEX symbols_name ON symbols(name);"
        done < <(find "$T/src" -mindepth 1 -maxdepth 1 -type d | sort)
    fi

    # Photo catalog with thumbnail blobs (icons as thumbnails).
    local cat=$T/.local/share/photo-manager/catalog.sqlite
    mkdir -p "${cat%/*}"
    shuffle_take POOL_ICON_PNG $((N_PHOTO * 2 + 20)) sel
    {
        echo 'PRAGMA page_size=4096;'
        echo 'CREATE TABLE photos(id INTEGER PRIMARY KEY, path TEXT, taken TEXT, rating INT, thumb BLOB);'
        echo 'BEGIN;'
        local k=0
        for f in "${sel[@]}"; do
            k=$((k + 1))
            rint 6
            printf "INSERT INTO photos(path,taken,rating,thumb) VALUES('Pictures/IMG_%05d.jpg','2023-%02d-%02d',%d,readfile('%s'));\n" "$k" $((k % 12 + 1)) $((k % 28 + 1)) "$R" "$f"
        done
        echo 'COMMIT;'
    } | sqlite3 "$cat"

    # Library: documents with full text (and an FTS5 index in the full corpus), grown to a target size.
    local lib=$T/Documents/Library/library.sqlite
    mkdir -p "${lib%/*}"
    local -a texts=("${POOL_VIMDOC[@]}" "${POOL_RST[@]}" "${POOL_POD[@]}" "${POOL_H[@]}")
    shuffle_take texts ${#texts[@]} sel
    local -a sizes
    mapfile -t sizes < <(stat -c %s -- "${sel[@]}")
    local fts=0
    [ "$SIZE" = small ] || fts=1
    sqlite3 "$lib" 'PRAGMA page_size=4096; CREATE TABLE docs(id INTEGER PRIMARY KEY, path TEXT, title TEXT, added TEXT, body TEXT);'
    local target=$((LIBRARY_KB * 1024)) sum=0 idx=0 goal
    goal=$target
    [ $fts -eq 0 ] || goal=$((target * 100 / 175))
    {
        echo 'BEGIN;'
        while [ $sum -lt $goal ] && [ $idx -lt ${#sel[@]} ]; do
            f=${sel[idx]}
            idx=$((idx + 1))
            sum=$((sum + ${sizes[idx - 1]} + 120))
            bn "$f"
            printf "INSERT INTO docs(path,title,added,body) VALUES('%s','%s','2024-%02d-%02d',readfile('%s'));\n" \
                "${f#/usr/}" "$B" $((idx % 12 + 1)) $((idx % 28 + 1)) "$f"
        done
        echo 'COMMIT;'
    } >"$S/library.sql"
    sqlite3 "$lib" <"$S/library.sql"
    if [ $fts -eq 1 ]; then
        sqlite3 "$lib" "CREATE VIRTUAL TABLE docs_fts USING fts5(title, body, content='docs', content_rowid='id'); INSERT INTO docs_fts(docs_fts) VALUES('rebuild');"
    fi
    sqlite3 "$lib" 'CREATE INDEX docs_title ON docs(title);'

    # Spreadsheets.
    local n
    for ((n = 0; n < N_XLSX; n++)); do
        pick YEARS; y=$P
        rnd
        fin_csv "$R" "$y" $((120 + R % 600)) >"$S/sheet.csv"
        pick WORDS
        uniq_dest "$T/Documents/Finance/$y/$P-$y.xlsx"
        make_xlsx "$U" "$P $y" "$y-12-31T10:00:00Z" "$S/sheet.csv"
    done
    for ((n = 0; n < N_ODS; n++)); do
        rint 3
        case $R in
        0) cp "$T/Documents/Data/countries.csv" "$S/sheet.csv" ;;
        1) cp "$T/Documents/Data/currencies.csv" "$S/sheet.csv" ;;
        2) pick YEARS; rnd; fin_csv "$R" "$P" 300 >"$S/sheet.csv" ;;
        esac
        pick PROJECTS
        local pj=$P; pick YEARS; uniq_dest "$T/Documents/Projects/$P/$pj/data.ods"
        make_ods "$U" "$pj" "2024-03-01T09:00:00Z" "$S/sheet.csv"
    done
}

add_office_docs() {
    local n f txt img title y
    local -a docimgs=()
    for ((n = 0; n < 4; n++)); do
        pick POOL_RASTER
        "$CONVERT" "$P" -resize 1024x768 -strip -quality 85 "$S/docimg-$n.jpeg" 2>/dev/null
        docimgs+=("$S/docimg-$n.jpeg")
    done
    for ((n = 0; n < N_ODT + N_DOCX; n++)); do
        rint 3
        case $R in
        0) pick POOL_MAN; man_text "$P" >"$S/doc.txt" ;;
        1) pick POOL_DOC; text_of "$P" >"$S/doc.txt" ;;
        2) pick POOL_VIMDOC; text_of "$P" >"$S/doc.txt" ;;
        esac
        title=$(grep -m1 -v '^[[:space:]]*$' "$S/doc.txt" | cut -c1-60 | sed 's/[[:space:]]*$//' || true)
        [ -n "$title" ] || title=Untitled
        img=
        rint 3
        if [ $R -eq 0 ]; then
            pick docimgs
            img=$P
        fi
        pick YEARS; y=$P
        pick WORDS; f=$P
        rint 3
        local dir
        case $R in
        0) pick PROJECTS; dir="Documents/Projects/$y/$P" ;;
        1) dir="Documents/Letters/$y" ;;
        2) dir="Documents/Work/$y" ;;
        esac
        if [ $n -lt "$N_ODT" ]; then
            uniq_dest "$T/$dir/$f.odt"
            make_odt "$U" "$title" "$y-06-01T12:00:00" "$S/doc.txt" "$img"
        else
            uniq_dest "$T/$dir/$f.docx"
            make_docx "$U" "$title" "$y-06-01T12:00:00Z" "$S/doc.txt" "$img"
        fi
    done
}

# Logs: syslog-style lines whose messages are real lines from package docs.
add_logs() {
    local -a sel
    local f d=".local/state/${SRC_PROJECTS[0]}/log"
    shuffle_take POOL_DOC 30 sel
    for f in "${sel[@]}"; do text_of "$f"; done | clean_text | grep -v '^[[:space:]]*$' | cut -c1-160 >"$S/msgs.txt"
    gen_log() { # gen_log SEED BYTES START_EPOCH
        awk -v s="$1" -v max="$2" -v t0="$3" '
            function civil(t,   z, era, doe, yoe, doy, mp, d, m, y) {
                z = int(t / 86400) + 719468; era = int(z / 146097); doe = z - era * 146097
                yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
                y = yoe + era * 400; doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
                mp = int((5 * doy + 2) / 153); d = doy - int((153 * mp + 2) / 5) + 1
                m = mp < 10 ? mp + 3 : mp - 9; if (m <= 2) y++
                sec = t % 86400
                return sprintf("%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, int(sec / 3600), int(sec % 3600 / 60), sec % 60)
            }
            { msg[n++] = $0 }
            END {
                split("INFO,INFO,INFO,DEBUG,DEBUG,WARN,ERROR", lvl, ",")
                split("worker,scheduler,http,db,cache,auth,mailer", comp, ",")
                x = (s % 2147483646) + 1; t = t0; out = 0
                while (out < max) {
                    x = (x * 48271) % 2147483647; t += x % 7
                    x = (x * 48271) % 2147483647; l = lvl[x % 7 + 1]
                    x = (x * 48271) % 2147483647; c = comp[x % 7 + 1]
                    x = (x * 48271) % 2147483647; m = msg[x % n]
                    x = (x * 48271) % 2147483647
                    line = sprintf("%s host01 %s[%d]: %-5s %s", civil(t), c, 1000 + x % 30000, l, m)
                    print line; out += length(line) + 1
                }
            }' "$S/msgs.txt"
    }
    mkdir -p "$T/$d"
    rnd; gen_log "$R" "$LOG_BYTES" 1719792000 >"$T/$d/app.log"
    rnd; gen_log "$R" $((LOG_BYTES / 6)) 1717200000 >"$T/$d/app.log.1"
    local i
    for i in 2 3 4; do
        rnd; gen_log "$R" $((LOG_BYTES / 5)) $((1717200000 - i * 2600000)) | gzip -n -6 >"$T/$d/app.log.$i.gz"
    done
}

# Compressed files: packaged .gz docs as they are, and archives made with the usual tools.
add_compressed() {
    local -a sel
    local f b n
    shuffle_take POOL_DOCGZ "$N_GZDOC" sel
    for f in "${sel[@]}"; do
        b=${f#/usr/share/doc/}
        b=${b%%/*}
        put "$f" "Downloads/docs/$b-${f##*/}"
    done
    # Backups of project dirs and notes: tar.gz / tar.xz / tar.bz2 / tar.zst / zip.
    local -a srcs
    mapfile -t srcs < <(cd "$T" && find src -mindepth 1 -maxdepth 1 -type d | sort)
    for ((n = 0; n < N_BACKUP; n++)); do
        local s=${srcs[n % ${#srcs[@]}]} y
        pick YEARS; y=$P
        mkdir -p "$T/Backups/$y"
        tar_det "$S/b.tar" -C "$T" "$s"
        case $((n % 4)) in
        0) uniq_dest "$T/Backups/$y/${s##*/}-$y.tar.gz"; gzip -n -9 <"$S/b.tar" >"$U" ;;
        1) uniq_dest "$T/Backups/$y/${s##*/}-$y.tar.xz"; xz -T1 -6 <"$S/b.tar" >"$U" ;;
        2) uniq_dest "$T/Backups/$y/${s##*/}-$y.tar.bz2"; bzip2 -9 <"$S/b.tar" >"$U" ;;
        3) uniq_dest "$T/Backups/$y/${s##*/}-$y.tar.zst"; zstd -q -T1 -19 <"$S/b.tar" >"$U" ;;
        esac
    done
    rm -f "$S/b.tar"
    # Single compressed files.
    xz -T1 -6 <"$T/Documents/Data/languages.csv" >"$T/Documents/Data/languages.csv.xz"
    bzip2 -9 <"$T/Documents/Data/countries.csv" >"$T/Documents/Data/countries.csv.bz2"
    pick YEARS
    bzip2 -9 <"$T/Documents/Finance/$P/transactions-$P.csv" >"$T/Backups/transactions-$P.csv.bz2"
    zstd -q -T1 -3 <"$T/.local/state/${SRC_PROJECTS[0]}/log/app.log.1" >"$T/.local/state/${SRC_PROJECTS[0]}/log/app.log.1.zst"
    rm -f "$T/.local/state/${SRC_PROJECTS[0]}/log/app.log.1"
    pick POOL_VIMDOC
    bn "$P"
    gzip -n -9 <"$P" >"$T/Documents/Manuals/vim/$B.txt.gz"
    # zip of icons (as downloaded icon pack), deterministic entry order and times
    local zd
    zd=$(mktemp -d "$S/zip.XXXXXX")
    shuffle_take POOL_ICON_PNG 40 sel
    mkdir -p "$zd/icon-pack"
    for f in "${sel[@]}"; do cp -n -- "$f" "$zd/icon-pack/" || true; done
    mapfile -t sel < <(cd "$zd" && find icon-pack -type f | sort)
    zip_files "$T/Downloads/icon-pack.zip" "$zd" "${sel[@]}"
}

# After the images exist: a zip of one photo folder, like an export for sharing.
add_late() {
    if [ -d "$T/Documents/Notes" ]; then
        tar_det "$S/notes.tar" -C "$T" Documents/Notes
        xz -T1 -6 <"$S/notes.tar" >"$T/Backups/notes.tar.xz"
        rm -f "$S/notes.tar"
    fi
    local -a dirs
    mapfile -t dirs < <(cd "$T" && find Pictures -mindepth 2 -maxdepth 2 -type d -name '20*' | sort)
    [ ${#dirs[@]} -gt 0 ] || return 0
    pick dirs
    local zd files
    zd=$(mktemp -d "$S/zip.XXXXXX")
    mkdir -p "$zd/photos"
    # as many of the folder's photos as fit under the size cap
    local f sz sum=0
    files=()
    while IFS= read -r f; do
        sz=$(stat -c %s -- "$T/$P/$f")
        [ $((sum + sz)) -le $((MAXF - 65536)) ] || break
        sum=$((sum + sz))
        cp -- "$T/$P/$f" "$zd/photos/"
        files+=("photos/$f")
    done < <(cd "$T/$P" && find . -maxdepth 1 -name '*.jpg' -printf '%f\n' | sort)
    [ ${#files[@]} -gt 0 ] || { rm -rf -- "$zd"; return 0; }
    local name=${P##*/}
    zip_files "$T/Downloads/photos-${name// /_}.zip" "$zd" "${files[@]}"
}

# mtimes: in the file's year when its path names one, else within 2021-01 .. 2025-10.
set_mtimes() {
    local f y lo=1609459200 hi=1761868800
    while IFS= read -r -d '' f; do
        if [[ $f =~ /(202[1-5])([-/]|$) ]]; then
            rand_date "${BASH_REMATCH[1]}"
        else
            rnd
            D=$((lo + R % (hi - lo)))
        fi
        touch -h -d "@$D" -- "$T/${f#./}"
    done < <(cd "$T" && find . -mindepth 1 -type f -print0 | sort -z)
    # directories: newest first is irrelevant; give them a fixed, deterministic time, deepest first
    (cd "$T" && find . -mindepth 1 -type d -print0 | sort -rz | xargs -0 -r touch -h -d @1761868800)
    touch -h -d @1761868800 "$T"
}

summary() { # summary DIR SECONDS WHAT
    (cd "$1" && find . -type f -printf '%s\t%f\n') | awk -F'\t' -v secs="$2" -v what="$3" -v size="$SIZE" -v seed="$SEED" '
        {
            n++; b += $1; f = tolower($2); e = f
            if (f ~ /\.(tar\.[a-z0-9]+)$/) { sub(/.*\.tar\./, "tar.", e) }
            else if (f ~ /\.[a-z0-9]+$/ && f !~ /^\.[^.]*$/) { sub(/.*\./, "", e) }
            else e = "none"
            if (e ~ /^(jpg|jpeg|png|gif|svg)$/) t = "img"
            else if (e == "pdf") t = "pdf"
            else if (e ~ /^(odt|docx|xlsx|ods)$/) t = "office"
            else if (e ~ /^(sqlite|db)$/) t = "sqlite"
            else if (e ~ /^(c|h|sh|pm|pl|cmake|vim)$/ || f == "makefile") t = "src"
            else if (e ~ /^(gz|xz|bz2|zst|zip|tar\.)/) t = "compressed"
            else if (e ~ /^(csv|json|xml|conf)$/) t = "data"
            else if (e == "oga") t = "audio"
            else t = "text"
            c[t]++
        }
        END {
            s = ""; k = split("pdf img office sqlite src compressed data text audio", order, " ")
            for (i = 1; i <= k; i++) s = s sprintf(" %s=%d", order[i], c[order[i]])
            printf "corpus %s seed %s: %d files, %d bytes (%.1f MiB);%s; %s in %ds\n", size, seed, n, b, b / 1048576, s, what, secs
        }' >&2
}

step() { [ -z "${RG_CORPUS_VERBOSE:-}" ] || echo "$PROG: [$((SECONDS - T0))s] $1 done" >&2; }
build_tree() { # build_tree TREE SCRATCH
    T=$1
    S=$2
    set_profile
    rng_seed "$SEED"
    build_pools
    mkdir -p "$T"/{Documents,Pictures,Music,Downloads,src,Backups,.config,.local/share}
    JOBFILE=$S/image-jobs.txt
    : >"$JOBFILE"
    export MAGICK_THREAD_LIMIT=1
    plan_images
    plan_notes
    step "planning"
    # Images run in the background (deterministic per job), the rest goes on meanwhile.
    xargs -d '\n' -n 1 -P "$JOBS" bash -c 'eval "$1"' _ <"$JOBFILE" >"$S/image-jobs.log" 2>&1 &
    local imgpid=$!
    local s
    for s in add_pdfs add_static_images add_texts add_src add_config add_logs add_data add_office_docs add_compressed; do
        $s
        step "$s"
    done
    if ! wait "$imgpid"; then
        cat "$S/image-jobs.log" >&2
        die "image generation failed"
    fi
    step "images (background)"
    add_late
    set_mtimes
    local big
    big=$(find "$T" -type f -size +"$MAXF"c -printf '%P ')
    [ -z "$big" ] || die "files over the size cap ($MAXF bytes): $big"
    step "late + mtimes"
}

# ---------------------------------------------------------------------------------------------
T0=$SECONDS
BUILD_TMP=
main() {
    local t0=$SECONDS want
    check_packages
    mkdir -p -- "$CACHE_ROOT"
    want=$(stamp)
    exec 9>"$LOCK_FILE"
    flock 9
    if [ -d "$CACHE_DIR" ] && [ -f "$STAMP_FILE" ] && [ "$(cat "$STAMP_FILE")" = "$want" ]; then
        :
    else
        BUILD_TMP=$(mktemp -d "$CACHE_ROOT/.build-corpus-$SIZE-$SEED.XXXXXX")
        trap 'rm -rf -- "$BUILD_TMP"' EXIT
        mkdir -p "$BUILD_TMP/scratch"
        export TMPDIR=$BUILD_TMP/scratch MAGICK_TEMPORARY_PATH=$BUILD_TMP/scratch SQLITE_TMPDIR=$BUILD_TMP/scratch
        (build_tree "$BUILD_TMP/tree" "$BUILD_TMP/scratch")
        rm -f -- "$STAMP_FILE"
        if [ -e "$CACHE_DIR" ]; then mv -T -- "$CACHE_DIR" "$BUILD_TMP/old"; fi
        mv -T -- "$BUILD_TMP/tree" "$CACHE_DIR"
        printf '%s\n' "$want" >"$STAMP_FILE.tmp"
        mv -f -- "$STAMP_FILE.tmp" "$STAMP_FILE"
        rm -rf -- "$BUILD_TMP"
        trap - EXIT
        summary "$CACHE_DIR" $((SECONDS - t0)) "built"
    fi
    mkdir -p -- "$OUT"
    cp -a -- "$CACHE_DIR/." "$OUT/"
    flock -u 9
    [ -z "$BUILD_TMP" ] || return 0
    summary "$OUT" $((SECONDS - t0)) "copied from cache"
}

main
