import Testing
@testable import FlowlogModel
@testable import FlowlogStore
@testable import FlowlogSQLite
@testable import FlowlogIngest
import FlowlogTestSupport

@Suite struct ByteBoundedCacheTests {
    @Test func emptiesWhenTheByteBudgetWouldBePassed() {
        var cache = ByteBoundedCache<Int, String>(byteLimit: 10_000)
        for key in 0..<100 { cache.insert("v", for: key, bytes: 1_000) }
        #expect(cache.byteCount <= 10_000)
        #expect(cache.count < 10)
        #expect(cache[99] == "v")
    }

    @Test func emptiesAtTheEntryLimit() {
        var cache = ByteBoundedCache<Int, Int>(byteLimit: 1 << 30, entryLimit: 5)
        for key in 0..<12 { cache.insert(key, for: key, bytes: 0) }
        #expect(cache.count == 2)
        #expect(cache[11] == 11)
    }

    @Test func keepsNothingBiggerThanTheBudget() {
        var cache = ByteBoundedCache<Int, Int>(byteLimit: 1_000)
        cache.insert(1, for: 1, bytes: 0)
        cache.insert(2, for: 2, bytes: 5_000)
        #expect(cache[2] == nil)
        #expect(cache[1] == 1)
    }

    /// 300 distinct labels of 40 bytes: the estimate is within a small factor of the text.
    @Test func endpointEstimateFollowsItsLabels() {
        let labels = (0..<300).map { "k8s:example.com/attribute-\($0)=value-00000001" }
        let estimate = ApproximateSize.of(Endpoint(identity: 1, labels: labels))
        let text = labels.reduce(0) { $0 + $1.utf8.count }
        #expect(estimate > text)
        #expect(estimate < 3 * text)
    }
}
