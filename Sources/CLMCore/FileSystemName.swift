/// File names are bytes; Swift strings are Unicode. A name that is not
/// valid UTF-8 is carried in a `String` with each invalid byte 0x80-0xFF
/// mapped to U+F780-U+F7FF (private use), and mapped back to the same
/// bytes when the path goes to the kernel, so such files are walked,
/// opened and recorded instead of being reported as missing.
/// ``SafeText`` shows the mapped characters as `\xNN`.
public enum FileSystemName {
    static let base: UInt32 = 0xF700

    /// A directory entry's name from its raw bytes (the walk's hot path:
    /// a concrete buffer, so the common all-ASCII check is a plain loop).
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> String {
        var ascii = true
        for byte in bytes where byte >= 0x80 {
            ascii = false
            break
        }
        if ascii { return String(decoding: bytes, as: UTF8.self) }
        return decode(Array(bytes))
    }

    /// A directory entry's name from its raw bytes.
    public static func decode(_ bytes: some Collection<UInt8>) -> String {
        // U+F780-U+F7FF encode as EF 9E/9F xx: only a name with 0xEF can hold one.
        if let text = String(validating: bytes, as: UTF8.self), !bytes.contains(0xEF) || !text.unicodeScalars.contains(where: isMapped) { return text }
        let raw = Array(bytes)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < raw.count {
            let length = SafeText.sequenceLength(raw, at: index)
            if length > 0 {
                let scalars = String(decoding: raw[index..<(index + length)], as: UTF8.self).unicodeScalars
                // A genuine U+F780-U+F7FF in a name is mapped too, byte by byte, so decoding is reversible.
                if let scalar = scalars.first, isMapped(scalar) {
                    for byte in raw[index..<(index + length)] { out.append(Unicode.Scalar(base + UInt32(byte))!) }
                } else {
                    out.append(contentsOf: scalars)
                }
                index += length
            } else {
                out.append(Unicode.Scalar(base + UInt32(raw[index]))!)
                index += 1
            }
        }
        return String(out)
    }

    /// The bytes the kernel should see for `path` (NUL-terminated), or nil
    /// when the path carries no mapped bytes and can be passed as it is.
    public static func kernelBytes(_ path: String) -> [CChar]? {
        // U+F780-U+F7FF encode as EF 9E/9F xx: skip the work for every other path.
        guard path.utf8.contains(0xEF), path.unicodeScalars.contains(where: isMapped) else { return nil }
        var bytes: [CChar] = []
        for scalar in path.unicodeScalars {
            if isMapped(scalar) {
                bytes.append(CChar(bitPattern: UInt8(scalar.value - base)))
            } else {
                bytes.append(contentsOf: String(scalar).utf8.map { CChar(bitPattern: $0) })
            }
        }
        bytes.append(0)
        return bytes
    }

    static func isMapped(_ scalar: Unicode.Scalar) -> Bool { (0xF780...0xF7FF).contains(scalar.value) }
}

/// A path compared and hashed by its UTF-8 bytes, as the kernel and SQLite
/// compare it. Swift's `String` equality is Unicode canonical equivalence:
/// `café` spelled with U+00E9 and with `e` + U+0301 are equal strings but two
/// different files, so sets and maps of paths use this instead.
public struct ExactPath: Hashable, Sendable, Comparable {
    public let path: String

    public init(_ path: String) { self.path = path }

    public static func == (lhs: ExactPath, rhs: ExactPath) -> Bool {
        var left = lhs.path, right = rhs.path
        return left.withUTF8 { a in right.withUTF8 { b in a.count == b.count && a.elementsEqual(b) } }
    }

    public static func < (lhs: ExactPath, rhs: ExactPath) -> Bool { lhs.path.utf8.lexicographicallyPrecedes(rhs.path.utf8) }

    public func hash(into hasher: inout Hasher) {
        var path = self.path
        path.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Whether this path is `ancestor` or lies under it, byte for byte.
    public func isWithin(_ ancestor: String) -> Bool {
        let bytes = path.utf8
        guard bytes.starts(with: ancestor.utf8) else { return false }
        if bytes.count == ancestor.utf8.count || ancestor.utf8.last == UInt8(ascii: "/") { return true }
        return bytes.dropFirst(ancestor.utf8.count).first == UInt8(ascii: "/")
    }
}
