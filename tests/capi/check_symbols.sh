#!/usr/bin/env bash
# check_symbols.sh LIBRARY HEADER -- the exported surface of libiucore.so.1 is the C ABI, exactly:
#   * the SONAME is libiucore.so.<IUCORE_ABI_VERSION of HEADER>;
#   * `nm -D --defined-only` lists nothing but iucore_* symbols (and the version node IUCORE_<n>
#     of the version script), so no C++, Boost or libpq symbol leaks out;
#   * every function the header declares with IUCORE_API is exported, and nothing else is;
#   * its one runtime dependency beyond the C and C++ runtimes is libpq: no NEEDED entry names
#     another library (Boost.JSON is compiled in), and no symbol it leaves undefined is Boost's.
set -euo pipefail
[[ $# -eq 2 ]] || {
    echo "usage: $0 LIBRARY HEADER" >&2
    exit 2
}
lib=$1 header=$2
status=0

abi=$(sed -n 's/^#define IUCORE_ABI_VERSION \([0-9][0-9]*\)$/\1/p' "$header")
[[ -n $abi ]] || {
    echo "FAIL: no IUCORE_ABI_VERSION in $header" >&2
    exit 1
}
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]$/\1/p')
if [[ $soname != "libiucore.so.$abi" ]]; then
    echo "FAIL: SONAME is '$soname', expected 'libiucore.so.$abi'" >&2
    status=1
fi

exported=()
foreign=()
while read -r line; do
    # "<address> <type> <name>" (the version node is an absolute symbol: "<address> A IUCORE_1")
    read -r _ type name <<<"$line"
    if [[ $type == A && $name =~ ^IUCORE_[0-9]+$ ]]; then
        continue
    fi
    if [[ $name =~ ^(iucore_[a-z0-9_]+)@@?IUCORE_[0-9]+$ || $name =~ ^(iucore_[a-z0-9_]+)$ ]]; then
        exported+=("${BASH_REMATCH[1]}")
    else
        foreign+=("$line")
    fi
done < <(nm -D --defined-only "$lib")

if ((${#foreign[@]})); then
    echo "FAIL: ${#foreign[@]} exported symbol(s) outside the C ABI (not iucore_*):" >&2
    printf '  %s\n' "${foreign[@]}" >&2
    status=1
fi

mapfile -t declared < <(tr '\n' ' ' <"$header" | grep -oE 'IUCORE_API [^;(]*\biucore_[a-z0-9_]+ *\(' |
    grep -oE 'iucore_[a-z0-9_]+ *\($' | tr -d ' (' | sort -u)
mapfile -t exported < <(printf '%s\n' "${exported[@]}" | sort -u)
if ((${#declared[@]} == 0)); then
    echo "FAIL: found no IUCORE_API declarations in $header" >&2
    status=1
fi
mapfile -t missing < <(comm -23 <(printf '%s\n' "${declared[@]}") <(printf '%s\n' "${exported[@]}"))
mapfile -t extra < <(comm -13 <(printf '%s\n' "${declared[@]}") <(printf '%s\n' "${exported[@]}"))
if ((${#missing[@]})); then
    echo "FAIL: declared in $header but not exported:" >&2
    printf '  %s\n' "${missing[@]}" >&2
    status=1
fi
if ((${#extra[@]})); then
    echo "FAIL: exported but not declared in $header:" >&2
    printf '  %s\n' "${extra[@]}" >&2
    status=1
fi

# What a host must ship beside the library: libpq only. The C and C++ runtimes (and a
# sanitizer's, in the asan and tsan builds) are the platform's.
runtime='^(libpq\.so\.[0-9]+|libstdc\+\+\.so\.[0-9]+|libgcc_s\.so\.[0-9]+|libc\.so\.[0-9]+|libm\.so\.[0-9]+|ld-linux[-a-z0-9_.]*\.so\.[0-9]+|lib(a|ub|t)san\.so\.[0-9]+)$'
mapfile -t needed < <(readelf -d "$lib" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]$/\1/p')
if ((${#needed[@]} == 0)); then
    echo "FAIL: readelf -d shows no NEEDED entry in $lib (not a dynamic library?)" >&2
    status=1
fi
for n in "${needed[@]}"; do
    if [[ ! $n =~ $runtime ]]; then
        echo "FAIL: $soname needs $n at run time (only libpq beyond the C and C++ runtimes)" >&2
        status=1
    fi
done
printf '%s\n' "${needed[@]}" | grep -q '^libpq\.so\.' || {
    echo "FAIL: $soname does not need libpq (readelf -d: ${needed[*]})" >&2
    status=1
}
mapfile -t boost_undefined < <(nm -D --undefined-only "$lib" | grep -i boost || true)
if ((${#boost_undefined[@]})); then
    echo "FAIL: $soname leaves ${#boost_undefined[@]} Boost symbol(s) to another library:" >&2
    printf '  %s\n' "${boost_undefined[@]:0:10}" >&2
    status=1
fi

if ((status == 0)); then
    echo "ok: $soname exports exactly the ${#declared[@]} functions of $(basename "$header")"
    echo "ok: $soname needs ${needed[*]} (no Boost)"
fi
exit $status
