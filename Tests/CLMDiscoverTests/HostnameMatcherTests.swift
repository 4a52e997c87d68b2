import Testing
import CLMDiscover

@Suite("RFC 6125 host name matching")
struct HostnameMatcherTests {
    @Test("Patterns match or not as RFC 6125 says", arguments: [
        ("example.com", "example.com", true),
        ("Example.COM.", "example.com", true),
        ("*.example.com", "www.example.com", true),
        ("*.example.com", "example.com", false),
        ("*.example.com", "a.b.example.com", false),
        ("f*o.example.com", "foo.example.com", false),
        ("*oo.example.com", "foo.example.com", false),
        ("www.*.example.com", "www.a.example.com", false),
        ("*.com", "example.com", false),
        ("*", "localhost", false),
        ("other.example", "localhost", false),
    ])
    func matching(_ pattern: String, _ host: String, _ expected: Bool) {
        #expect(HostnameMatcher.matches(pattern: pattern, host: host) == expected)
    }
}
