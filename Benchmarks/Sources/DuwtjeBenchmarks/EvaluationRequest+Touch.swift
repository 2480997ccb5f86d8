import DuwtjeRules

extension EvaluationRequest {
    /// Reads every byte of the request's texts and lists (and so their headers); returns their sum,
    /// so that the reads are kept.
    ///
    /// The daemon evaluates a request its decoder has just written, so the request is in the caches;
    /// the harness's mix of 1,000 requests is not, once a large rule set has been walked since a
    /// request's last turn (at 100,000 rules ~4 of an evaluation's ~24 L2 misses were the request's
    /// own, cachegrind, branch miss15-req). Read first, outside what is timed or profiled, the request
    /// is where the daemon's would be.
    @inline(never)
    func touchEveryByte() -> Int {
        var sum = limit
        func add(_ text: String?) {
            guard var text else { return }
            text.withUTF8 { bytes in for byte in bytes { sum &+= Int(byte) } }
        }
        func add(_ scalar: ContextScalar) {
            if case .string(let text) = scalar { add(text) }
        }
        add(journey)
        add(stage)
        add(persona)
        add(visitor)
        for (key, value) in context {
            add(key)
            switch value {
            case .scalar(let scalar): add(scalar)
            case .list(let scalars): for scalar in scalars { add(scalar) }
            }
        }
        return sum
    }
}
