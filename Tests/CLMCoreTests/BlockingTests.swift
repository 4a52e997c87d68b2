import CLMCore
import Foundation
import Testing

@Suite struct BlockingTests {
    struct Refused: Error, Equatable { let reason: String }

    @Test func runReturnsTheValueOrTheTypedErrorFromItsOwnThread() async throws {
        #expect(await Blocking.run("clm-test") { (1...10).reduce(0, +) } == 55)
        do {
            _ = try await Blocking.run { () throws(Refused) -> Int in throw Refused(reason: "no") }
            Issue.record("expected the error")
        } catch {
            #expect(error == Refused(reason: "no"))
        }
    }

    @Test func theBoundedLoopVisitsEveryIndexOnceAndMapKeepsTheOrder() async {
        let seen = IndexedResults<Int>(count: 500)
        Blocking.forEach(500, threads: 4) { seen.set($0, $0 * 2) }
        #expect(seen.values.compactMap { $0 } == (0..<500).map { $0 * 2 })
        let squares = await Blocking.map(count: 100, threads: 8) { $0 * $0 }
        #expect(squares == (0..<100).map { $0 * $0 })
        #expect(await Blocking.map(count: 0, threads: 8) { $0 }.isEmpty)
    }

    @Test func aClosedQueueDrainsWhatItHoldsAndRefusesMore() {
        let queue = BlockingQueue<Int>()
        #expect(queue.add(1))
        #expect(queue.add(2))
        queue.close()
        #expect(!queue.add(3))
        #expect(queue.next() == 1)
        #expect(queue.next() == 2)
        #expect(queue.next() == nil)
    }
}
