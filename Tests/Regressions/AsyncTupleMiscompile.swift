// Minimal reproducer of the release-only crash of `clm request` / `clm renew` (issue 10).
//
// Swift 6.3.1 with -O miscompiles this construct in an async closure:
//
//     do { return (captured, .success(try await f())) } catch { return (captured, .failure(error)) }
//
// i.e. a tuple built from a captured value and the result of a `try await` call of non-trivial
// type, returned from inside a `do` whose `catch` also returns. The captured value comes back as
// another task's value (here: index 1 answers with index 0), so results are stored under the wrong
// index: in clm that was an out-of-range trap (SIGILL) or a lost result ("certificate '?': not run").
// Typed or untyped throws make no difference; -Onone is correct.
//
// The workaround, used by Issuer.obtainAll: compute the outcome first in a plain method that
// returns a `Result`, then build the tuple outside any `do`.
//
// Build and run: swiftc -swift-version 6 -parse-as-library -O AsyncTupleMiscompile.swift && ./AsyncTupleMiscompile
// It prints one line per form: "original ok|miscompiled N/200" and "workaround ok|miscompiled N/200".
enum Failure: Error { case failed(String) }

@inline(never) func work(_ index: Int) async throws(Failure) -> String {
    await Task.yield()
    if index < 0 { throw .failed("negative") }
    return "result-\(index)"
}

@inline(never) func outcome(_ index: Int) async -> Result<String, Failure> {
    do { return .success(try await work(index)) } catch { return .failure(error) }
}

@main struct AsyncTupleMiscompile {
    static func main() async {
        var original = 0, workaround = 0
        for index in 0..<200 {
            let a = Task { () async -> (Int, Result<String, Failure>) in
                do throws(Failure) { return (index, .success(try await work(index))) } catch { return (index, .failure(error)) }
            }
            if await a.value.0 != index { original += 1 }
            let b = Task { () async -> (Int, Result<String, Failure>) in
                let result = await outcome(index)
                return (index, result)
            }
            if await b.value.0 != index { workaround += 1 }
        }
        print("original", original == 0 ? "ok" : "miscompiled \(original)/200")
        print("workaround", workaround == 0 ? "ok" : "miscompiled \(workaround)/200")
    }
}
