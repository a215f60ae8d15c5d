"""The largest functions of a wasm module with a name section, and its data section size.

    python3 bench/tools/wasm_functions.py module.wasm [count]
"""
import sys


def leb(data, i):
    """An unsigned LEB128 at `i`: (value, next offset)."""
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def skip_limits(data, j):
    flags, j = leb(data, j)
    _, j = leb(data, j)
    return leb(data, j)[1] if flags & 1 else j


def main(path, count):
    data = open(path, "rb").read()
    sections, i = [], 8
    while i < len(data):
        sid = data[i]
        size, i = leb(data, i + 1)
        sections.append((sid, i, size))
        i += size
    imported, sizes, names = 0, [], {}
    for sid, off, size in sections:
        if sid == 2:  # imports: function indices start after imported functions
            n, j = leb(data, off)
            for _ in range(n):
                for _ in range(2):  # module and field names
                    length, j = leb(data, j)
                    j += length
                kind = data[j]
                j += 1
                if kind == 0:
                    _, j = leb(data, j)
                    imported += 1
                elif kind == 1:
                    j = skip_limits(data, j + 1)
                elif kind == 2:
                    j = skip_limits(data, j)
                elif kind == 3:
                    j += 2
                else:
                    j += 1
        elif sid == 10:  # code
            n, j = leb(data, off)
            for k in range(n):
                length, body = leb(data, j)
                sizes.append((k + imported, length + body - j))
                j = body + length
        elif sid == 11:
            print("data section", size)
        elif sid == 0:
            length, j = leb(data, off)
            if data[j : j + length] != b"name":
                continue
            j += length
            end = off + size
            while j < end:
                sub = data[j]
                sub_size, j = leb(data, j + 1)
                if sub == 1:  # function names
                    n, k = leb(data, j)
                    for _ in range(n):
                        index, k = leb(data, k)
                        length, k = leb(data, k)
                        names[index] = data[k : k + length].decode(errors="replace")
                        k += length
                j += sub_size
    print("code total", sum(s for _, s in sizes), "functions", len(sizes))
    for index, size in sorted(sizes, key=lambda x: -x[1])[:count]:
        print(size, str(names.get(index, index))[:150])


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40)
