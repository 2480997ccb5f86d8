import DuwtjeRules
import Testing

/// A request's context behaves as the dictionary it replaced: keys unique, looked up by name, equal
/// regardless of order.
@Suite("A request's context")
struct RequestContextTests {
    @Test("set, replace, remove and look up by key; the order of first setting is kept")
    func keys() {
        var context = RequestContext()
        context["channel"] = .scalar(.string("web"))
        context["process"] = .scalar(.string("paspoort"))
        #expect(context.updateValue(.scalar(.string("app")), forKey: "channel") == .scalar(.string("web")))
        #expect(context.updateValue(.scalar(.bool(true)), forKey: "ingelogd") == nil)
        #expect(context.map(\.key) == ["channel", "process", "ingelogd"])
        #expect(context["channel"] == .scalar(.string("app")))
        context["process"] = nil
        context["absent"] = nil
        #expect(context.map(\.key) == ["channel", "ingelogd"])
        #expect(context["process"] == nil)
    }

    @Test("equal with the same keys and values in any order, as a dictionary; not with a value or a key more or less")
    func equality() {
        let a: RequestContext = ["a": .scalar(.number(1)), "b": .list([.string("x")])]
        let b: RequestContext = ["b": .list([.string("x")]), "a": .scalar(.number(1))]
        #expect(a == b)
        #expect(a == RequestContext(["a": .scalar(.number(1)), "b": .list([.string("x")])]))
        #expect(a != ["a": .scalar(.number(1))])
        #expect(a != ["a": .scalar(.number(2)), "b": .list([.string("x")])])
        #expect(a.dictionary == ["a": .scalar(.number(1)), "b": .list([.string("x")])])
    }
}
