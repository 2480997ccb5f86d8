import Foundation

/// What the engine knows about one request once its ids are resolved against the rule set.
///
/// Lives only while one request is evaluated: `numbers` is temporary storage of the evaluation and
/// `entries` points into the request (``RuleSet/withFacts(of:journey:_:)``); a heap array per request
/// cost more than the matching it serves.
struct Facts {
    let journey: Int
    let stage: Int?
    /// Whether the request named a stage the journey does not have (then `stage` is nil): the
    /// request's text is read from the request where it is needed. Facts hold as few references as
    /// they can, each released when they are dropped (the text and the language value cost ~60
    /// instructions an evaluation).
    let stageUnknown: Bool
    let stageSource: Answer.StageSource
    let persona: Int?
    /// The request's context entries, read in place: which one holds each key's value is kept in
    /// `numbers` (``value(of:)``).
    let entries: UnsafeBufferPointer<RequestContext.Entry>
    /// The numbers (``ValueNumbers``) of each context key's value and where it stands in `entries`,
    /// by context key index.
    let numbers: RequestValueNumbers
    /// The `language` context key's index, when the rule set has that key and the request a value
    /// for it; else -1. An index, its value read in place: a copy of the value was retained when the
    /// facts were made and released when they were dropped.
    let languageKey: Int

    /// The request's value of the context key at `key`, or nil.
    func value(of key: Int) -> ContextValue? {
        numbers.entry(of: key).map { entries[$0].value }
    }

    /// Where the request's `language` value is in `entries`, or -1 (``languageKey``).
    var languageEntry: Int {
        languageKey < 0 ? -1 : numbers.entry(of: languageKey) ?? -1
    }

    /// Whether content in the language numbered `language` (``CompiledContent/Filter/language``)
    /// may be served: any, without a language in the request; else one of the request's language
    /// strings is that language (its number is: ``ValueNumbers``, the strings equal as `String`s).
    @inline(__always)
    func accepts(language: Int32) -> Bool {
        guard languageKey >= 0 else { return true }
        for number in numbers[languageKey] where number == language { return true }
        return false
    }
}

/// Why a rule did not match, cheap to produce and only turned into text for an explanation.
enum Failure {
    case stage
    case persona
    /// The rule's rank position and the condition's index among its own conditions (the walk
    /// reads the rule's record only: its first condition's index is in ``MatchTable/rules``).
    case context(rule: Int, condition: Int)
    case active

    /// `stage`, `persona`, `context.<key>` (as the rule names the key) or `active`.
    func name(in match: MatchTable) -> String {
        switch self {
        case .stage: return "stage"
        case .persona: return "persona"
        case .context(let rule, let condition): return "context." + match.names[Int(match.rules[rule].conditionStart) + condition]
        case .active: return "active"
        }
    }
}

extension RuleSet {
    /// Answers one request (rules.md section 6): ranked content and at most one nudge, with why.
    ///
    /// Pure: nothing is counted. The answer carries its nudge candidates in rank order and serves the
    /// first as if no cap applied; ``Answer/admitNudge(for:caps:)`` is the one place where caps are
    /// checked and counted, after evaluation.
    public func evaluate(_ request: EvaluationRequest) throws(EvaluationError) -> Answer {
        try evaluate(request, walk: request.explain ? .everyRule : .indexed)
    }

    /// Which rules the walk looks at, and what it explains.
    enum Walk {
        /// Only the rules the index hands over, stopping as soon as the answer cannot change; no
        /// explanation (the request path).
        case indexed
        /// Every rule of the journey, each explained (`explain: true`).
        case everyRule
        /// Every rule the index hands over, to the end, each explained. A rule that can match is
        /// always handed over, so every matched rule is explained with the rank, variant and cut
        /// it has in the full walk; rules that cannot match are left out. For `duwtje diff` and
        /// `duwtje matrix`.
        case candidates
    }

    func evaluate(_ request: EvaluationRequest, walk: Walk) throws(EvaluationError) -> Answer {
        let journey = try journeyPosition(of: request)
        return withFacts(of: request, journey: journey) { request, facts, warnings in evaluate(request, facts, warnings, walk: walk) }
    }

    /// The journey is borrowed where ``journeys`` holds it, without a retain: `self` (which this call
    /// keeps) holds the array and never changes it. As a local copy it was retained before the walk
    /// and released after it (~40 instructions an evaluation).
    private func evaluate(_ request: EvaluationRequest, _ facts: Facts, _ warnings: [String], walk: Walk) -> Answer {
        Unmanaged.passUnretained(journeys[facts.journey])._withUnsafeGuaranteedRef { journey in
            contentFilters.withUnsafeBufferPointer { filters in
                journey.withMatch { match in evaluate(request, facts, warnings, walk: walk, journey: journey, match: match, filters: filters) }
            }
        }
    }

    private func evaluate(_ request: EvaluationRequest, _ facts: Facts, _ warnings: [String], walk: Walk, journey: CompiledJourney,
                          match: MatchTable.View, filters: UnsafeBufferPointer<CompiledContent.Filter>) -> Answer {
        let picker = AnswerPicker(limit: max(0, request.limit), time: request.now.timeIntervalSinceReferenceDate, facts: facts,
                                  filters: filters, program: match.program)
        // The answer by position (``Answer/Picks``): nothing is allocated or retained for it.
        var picks = Answer.PickList()
        var candidates = Answer.CandidateList()
        var explanation: [ExplanationEntry]?
        if walk == .indexed {
            indexedWalk(request, facts, match: match, journey: journey, picker: picker, picks: &picks, candidates: &candidates)
        } else {
            explanation = explainedWalk(request, facts, walk: walk, journey: journey, match: match, picker: picker, picks: &picks,
                                        candidates: &candidates)
        }
        func fillFromFallbacks(anyLanguage: Bool) {
            guard picks.count < picker.limit else { return }
            if let stage = facts.stage {
                for item in journey.stageFallbacks[stage] {
                    picker.add(item, pick: Answer.Pick(content: item, fallback: .stage), anyLanguage: anyLanguage, to: &picks, in: self)
                }
            }
            for item in journey.fallback {
                picker.add(item, pick: Answer.Pick(content: item, fallback: .journey), anyLanguage: anyLanguage, to: &picks, in: self)
            }
        }
        fillFromFallbacks(anyLanguage: false)
        // The request's warnings are copied only into an answer that has ``Answer/Extras`` anyway.
        var fallbackWarning: String?
        if picks.count == 0, facts.languageKey >= 0 {
            // Last resort (rules.md 6.6, a journey with fallbacks never answers an empty list): when
            // the language filter left nothing, the fallbacks are walked again in any language.
            fillFromFallbacks(anyLanguage: true)
            if picks.count > 0 {
                var languages: [String] = []
                facts.entries[facts.languageEntry].value.forEach { if case .string(let text) = $0 { languages.append(text) } }
                fallbackWarning = "no content in language \(languages.map { "'\($0)'" }.joined(separator: " or ")); "
                    + "the fallback is served in its own language"
            }
        }
        let extras = Answer.extras(stage: facts.stage, unknownStage: facts.stageUnknown ? request.stage : nil, warnings: warnings,
                                   adding: fallbackWarning, picks: picks, candidates: candidates, explanation: explanation)
        picks.free()
        candidates.free()
        return Answer(set: self, journeyPosition: Int32(truncatingIfNeeded: facts.journey),
                      stagePosition: facts.stage.map { Int32(truncatingIfNeeded: $0) } ?? -1, stageSource: facts.stageSource,
                      picks: picks.inline, candidates: candidates.inline, served: candidates.inline.count > 0 ? 0 : -1,
                      extras: extras)
    }

    /// The walk of a request that asks for an explanation (``Walk/everyRule``, ``Walk/candidates``):
    /// as ``indexedWalk(_:_:match:journey:picker:picks:candidates:)``, each rule explained, and on
    /// past a full answer and an exclusive rule (the rules after it explained as cut by it).
    private func explainedWalk(_ request: EvaluationRequest, _ facts: Facts, walk: Walk, journey: CompiledJourney,
                               match: MatchTable.View, picker: AnswerPicker, picks: inout Answer.PickList,
                               candidates: inout Answer.CandidateList) -> [ExplanationEntry] {
        var explanation: [ExplanationEntry] = []
        var nudgeServed = false
        var rank = 0
        var cutBy: String?
        // The index hands over only rules whose stage and persona conditions hold for this request;
        // the full walk must check them.
        let indexed = walk != .everyRule

        /// Reads the rule whose record starts at `record` from the match table only (its conditions,
        /// then its effects): its ``CompiledRule`` is read for the explanation.
        func consider(record: Int) {
            let position = match.position(ofRecord: record)
            let (failure, effects) = self.failure(record: record, of: journey, match, facts, time: picker.time,
                                                  checkingStageAndPersona: !indexed)
            if let cut = cutBy {
                explanation.append(ExplanationEntry(rule: journey.rules[position].id, matched: failure == nil,
                                                    failed: failure?.name(in: journey.match), cutBy: cut))
                return
            }
            guard failure == nil else {
                explanation.append(ExplanationEntry(rule: journey.rules[position].id, matched: false,
                                                    failed: failure?.name(in: journey.match)))
                return
            }
            rank += 1
            let (flags, variant) = picker.take(effects: effects, position: position, request, match, picks: &picks,
                                               candidates: &candidates, nudgeServed: &nudgeServed, in: self)
            explanation.append(ExplanationEntry(rule: journey.rules[position].id, matched: true, rank: rank,
                                                variant: variant < 0 ? nil : journey.rules[position].variants[variant].id))
            if flags & MatchTable.Flags.exclusive != 0 { cutBy = journey.rules[position].id }
        }

        if walk == .everyRule {
            for position in journey.rules.indices { consider(record: Int(match.rules[position].record)) }
        } else {
            var positions = Candidates(bucket: journey.bucketBlock(stage: facts.stage, persona: facts.persona), in: match.program,
                                       numbers: facts.numbers, filedKeys: journey.filedKeys, filedValues: journey.filedValues)
            while let record = positions.next() { consider(record: record) }
            positions.free()
        }
        return explanation
    }

    /// Every nudge that fits a request, for campaign tools: ranking and each variant's declared
    /// nudge, no caps and no visitor.
    public func nudges(for request: EvaluationRequest) throws(EvaluationError) -> NudgeAnswer {
        let journey = try journeyPosition(of: request)
        return withFacts(of: request, journey: journey) { request, facts, warnings in nudges(for: request, facts, warnings: warnings) }
    }

    private func nudges(for request: EvaluationRequest, _ facts: Facts, warnings: [String]) -> NudgeAnswer {
        let journey = journeys[facts.journey]
        let time = request.now.timeIntervalSinceReferenceDate
        let matching = journey.withMatch { match in
            journey.rules.indices.filter { failure(record: Int(match.rules[$0].record), of: journey, match, facts, time: time).failure == nil }
        }
        var listings: [NudgeListing] = []
        var rank = 0
        for rule in matching.lazy.map({ journey.rules[$0] }) {
            rank += 1
            var offered: [(CompiledNudge, String?)] = []
            if rule.variants.isEmpty {
                if let nudge = rule.nudge { offered.append((nudge, nil)) }
            } else {
                for variant in rule.variants {
                    let resolved: CompiledNudge? = if let override = variant.nudge { override } else { rule.nudge }
                    if let resolved { offered.append((resolved, variant.id)) }
                }
            }
            for (nudge, variant) in offered {
                listings.append(NudgeListing(
                    id: nudge.id, message: nudge.message, cta: nudge.cta, alternative: nudge.alternative,
                    cap: nudge.cap.map { .init(max: $0.max, perSeconds: $0.per) }, rule: rule.id, rank: rank, variant: variant,
                    why: rule.why, active: rule.from == nil && rule.until == nil ? nil
                        : .init(from: rule.from.map(Self.rfc3339), until: rule.until.map(Self.rfc3339))))
            }
            if rule.exclusive { break }
        }
        return NudgeAnswer(ruleset: version, journey: journey.id, stage: request.stage ?? journey.stageIDs[facts.stage ?? 0],
                           stageSource: facts.stageSource,
                           nudges: listings, warnings: warnings)
    }

    static func rfc3339(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let remainder = seconds - days * 86_400
        let (year, month, day) = TimeParsing.civil(fromDays: days)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(remainder / 3_600)):\(two(remainder / 60 % 60)):\(two(remainder % 60))Z"
    }

    // MARK: - Matching

    /// Why the rule whose record starts at `record` in `journey`'s match table does not match at
    /// `time` (seconds since the reference date), or nil; and, when it matches, where its effects start.
    @inline(__always)
    func failure(record: Int, of journey: CompiledJourney, _ match: MatchTable.View, _ facts: Facts, time: Double,
                 checkingStageAndPersona: Bool = true) -> (failure: Failure?, effects: Int) {
        if checkingStageAndPersona,
           let failure = stageOrPersonaFailure(of: journey.rules[match.position(ofRecord: record)].when, facts) {
            return (failure, 0)
        }
        return match.check(record: record, facts, time: time)
    }

    func stageOrPersonaFailure(of when: CompiledWhen, _ facts: Facts) -> Failure? {
        if let stages = when.stages {
            guard let stage = facts.stage, stages[stage] else { return .stage }
        }
        return when.allows(persona: facts.persona) ? nil : .persona
    }
}

/// The answer of `POST /v1/nudges`.
public struct NudgeAnswer: Sendable, Encodable {
    public var ruleset: String
    public var journey: String
    public var stage: String
    public var stageSource: Answer.StageSource
    public var nudges: [NudgeListing]
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case ruleset, journey, stage, stageSource = "stage_source", nudges, warnings
    }
}

/// The rules a request must look at, in rank order, as their records' offsets in the journey's
/// program: the bucket's general rules merged with the rules filed under each context value the
/// request carries.
///
/// Most requests meet one or two lists; nothing is allocated for up to ``Runs/inlineCount`` runs
/// of filed rules. Bitwise-copyable, built in place in the walk (``init(bucket:in:numbers:filedKeys:filedValues:)``
/// is inlined: out of line, its 145 bytes were written and then copied with `memcpy`); the walk
/// calls ``free()`` when it is done.
struct Candidates: BitwiseCopyable {
    /// The journey's program, which the bucket's words and every list below are in (read through
    /// the match table's view: the bucket and its array were two references to retain and release).
    let words: UnsafeBufferPointer<Int32>
    /// The bucket's ``Bucket/effects``, switched to by ``keepOnlyEffects(after:)``.
    let effects: Bucket.Lists
    /// The lists read: the bucket's ``Bucket/all``, or its ``Bucket/effects`` after ``keepOnlyEffects(after:)``.
    var lists: Bucket.Lists
    /// The next general rule's index in `words`, and where the general rules end.
    var generalHead: Int
    var generalEnd: Int
    /// The runs of filed rules under the request's values, each with its read position in `words`.
    var runs = Runs()
    private var onlyEffects = false

    /// The rules of the bucket whose block starts at `block` of `words`, for a request whose values
    /// are `numbers` (only the keys at `filedKeys` of `words` are looked at, and only the values at
    /// `filedValues` are filed under anywhere in the journey).
    ///
    /// `@_transparent`: marked `@inline(__always)`, it became a call from the walk once it asked for
    /// the lists' records (branch walk16: +~90 instructions an evaluation, with the copy of the
    /// `Candidates` it returned, `memcpy`).
    @_transparent
    init(bucket block: Int, in words: UnsafeBufferPointer<Int32>, numbers: RequestValueNumbers, filedKeys: Range<Int>,
         filedValues: Range<Int>) {
        self.words = words
        let bucket = Bucket(block: block, in: words)
        effects = bucket.effects
        lists = bucket.all
        generalHead = Int(lists.generalStart)
        generalEnd = Int(lists.generalEnd)
        // The general list's first record (kept in the block; word 0 for an empty list, a line asked
        // for in vain) and its line, while the runs' starts are found and read; its second record
        // once the runs are made (``prefetchSecondGeneral()``). No test for an empty list or one rule:
        // fewer branches for the initializer, which the walk needs inlined.
        words.prefetch(Int(bucket.firstGeneral))
        words.prefetch(generalHead)
        // The general effects list's start (where the list of every rule ends), which
        // ``keepOnlyEffects(after:)`` searches: asked for now, it comes in with the walk's first lines.
        words.prefetch(Int(effects.generalStart))
        if bucket.filedCount > 0 {
            for keyIndex in filedKeys {
                // Unknown text and other types have negative numbers, under which nothing is filed.
                for number in numbers[Int(words[keyIndex])] where number >= 0 {
                    guard let value = Self.index(of: number, in: words, filedValues),
                          let slot = Bucket.slot(ofValue: value, block: block, in: words) else { continue }
                    let (run, first) = lists.firstFiled(at: slot, in: words)
                    runs.append(Run(slot: slot, head: run.lowerBound, end: run.upperBound, first: first, in: words))
                }
            }
        }
        prefetchSecondGeneral()
    }

    /// Asks for the record of the general list's second rule, which the walk will likely consult:
    /// with the first (asked for from the block) and each run's first two
    /// (``Run/init(slot:head:end:first:in:)``) they arrive together, where the walk waited for each
    /// list's line and each record in turn, once the one before was checked.
    /// A list of one rule asks for its first again, an empty one for the record at the word before
    /// it: inside the program, as lists follow the stage signals' words (a journey has at least one
    /// stage, the loader's rule) and the records.
    @inline(__always)
    private func prefetchSecondGeneral() {
        words.prefetch(Int(words[Swift.min(generalHead &+ 1, generalEnd &- 1)]))
    }

    /// The index of `number` among the journey's filed values at `values` of `words` (ascending), if
    /// rules are filed under it. The middle is found by an unchecked sum and shift (both bounds are
    /// counts of an array): the checked sum and signed halving were a third of each step. (Halving
    /// without a branch, the step a conditional move, cost ~10 instructions an evaluation more.)
    @inline(__always)
    private static func index(of number: Int32, in words: UnsafeBufferPointer<Int32>, _ values: Range<Int>) -> Int? {
        var low = values.lowerBound
        var high = values.upperBound
        while low < high {
            let middle = (low &+ high) &>> 1
            if words[middle] < number { low = middle &+ 1 } else { high = middle }
        }
        guard low < values.upperBound, words[low] == number else { return nil }
        return low &- values.lowerBound
    }

    /// From now on hands over only the rules that can still change a full answer (the walk has
    /// handed over the record at `position` last).
    mutating func keepOnlyEffects(after position: Int) {
        guard !onlyEffects else { return }
        onlyEffects = true
        lists = effects
        // Each effects list's line was asked for when the runs were made (``Run/init(slot:head:end:first:in:)``,
        // and the general one in ``init(bucket:in:numbers:filedKeys:filedValues:)``).
        generalHead = Self.firstIndex(in: words, from: Int(lists.generalStart), to: Int(lists.generalEnd), after: position)
        generalEnd = Int(lists.generalEnd)
        // The general effects list's first two records from here, as ``Run/init(slot:head:end:in:)``
        // asks for each run's: they were read only when the walk reached them, the one list whose
        // records nothing asked for. The walk goes on in these lists looking for a nudge no cap refuses
        // (branch walk18, in process A/B: 100,000 rules 0.986 ± 0.009 of the time without, 100 rules
        // 1.006 ± 0.006: overlap where the records come from L3, two prefetches where they are cached).
        if generalHead < generalEnd { words.prefetch(Int(words[generalHead])) }
        if generalHead &+ 1 < generalEnd { words.prefetch(Int(words[generalHead &+ 1])) }
        for index in 0..<runs.count {
            let run = runs[index]
            let range = lists.filed(at: Int(run.slot), in: words)
            let head = Self.firstIndex(in: words, from: range.lowerBound, to: range.upperBound, after: position)
            runs[index] = Run(slot: Int(run.slot), head: head, end: range.upperBound, in: words)
        }
    }

    /// The first index in `start ..< end` of the ascending `list` whose position is after `position`.
    private static func firstIndex(in list: UnsafeBufferPointer<Int32>, from start: Int, to end: Int, after position: Int) -> Int {
        var low = start
        var high = end
        while low < high {
            let middle = (low &+ high) &>> 1  // as in `index(of:in:_:)`
            if Int(list[middle]) <= position { low = middle &+ 1 } else { high = middle }
        }
        return low
    }

    /// Gives back what the runs hold (see ``SpillBuffer``); call once, when the walk is done.
    mutating func free() {
        runs.free()
    }

    /// `@_transparent`, as ``MatchTable/View/check(record:_:time:)``: marked `@inline(__always)`, it
    /// was called once per rule handed over.
    @_transparent
    mutating func next() -> Int? {
        if runs.count == 0 {
            guard generalHead < generalEnd else { return nil }
            defer { generalHead &+= 1 }
            return Int(words[generalHead])
        }
        let general = generalHead < generalEnd ? words[generalHead] : .max
        let best = runs.next(below: general, in: words)
        guard best != .max else { return nil }
        if best == general { generalHead &+= 1 }
        return Int(best)
    }
}

/// A run of a bucket's ``Bucket/words``: the rules filed under one value (at `slot` of the filed
/// numbers), with its read position and the record there.
///
/// The record at the head is kept beside it (`value`, `Int32.max` once the run is read to its end,
/// as in the places ``Runs`` does not use): the merge finds the lowest head with three `min`s and no
/// test of the run's count or end, where reading each head through its position tested both first
/// (``Candidates/next()`` was ~70 instructions a rule handed over, ~350 an evaluation). `Int32`s:
/// the program is indexed by `Int32` everywhere, and four of them are one 16-byte store.
struct Run: BitwiseCopyable {
    private(set) var slot: Int32
    private(set) var head: Int32
    private(set) var end: Int32
    /// The record at `head`, or `Int32.max` (past every record) when `head` is at `end`.
    private(set) var value: Int32

    /// No run: past every record, so that the merge need not test how many runs there are.
    init() {
        (slot, head, end, value) = (0, 0, 0, .max)
    }

    /// The run at `slot` from `head` to `end` of `words`, whose first record (`words[head]`) is
    /// `first`: asks for it, then for the second record (see
    /// ``Candidates``' `prefetchSecondGeneral()`).
    @inline(__always)
    init(slot: Int, head: Int, end: Int, first: Int32, in words: UnsafeBufferPointer<Int32>) {
        self.slot = Int32(truncatingIfNeeded: slot)
        self.head = Int32(truncatingIfNeeded: head)
        self.end = Int32(truncatingIfNeeded: end)
        value = first
        words.prefetch(Int(first))
        // The run's effects list starts where this list ends: ``Candidates/keepOnlyEffects(after:)``
        // searches it once the answer is full (most requests of the benchmark), where its line was
        // the first read of the list for a run of one rule (branch walk16: 0.84 L2 misses an
        // evaluation at 100,000 rules). Asked for here, it comes in with the run's first record.
        words.prefetch(end)
        // A run of one rule never reads its list.
        if head &+ 1 < end { words.prefetch(Int(words[head &+ 1])) }
    }

    /// The run at `slot` from `head` to `end` of `words`. Asks for the records of its first two
    /// rules.
    @inline(__always)
    init(slot: Int, head: Int, end: Int, in words: UnsafeBufferPointer<Int32>) {
        self.slot = Int32(truncatingIfNeeded: slot)
        self.head = Int32(truncatingIfNeeded: head)
        self.end = Int32(truncatingIfNeeded: end)
        guard head < end else {
            value = .max
            return
        }
        value = words[head]
        words.prefetch(Int(value))
        if head &+ 1 < end { words.prefetch(Int(words[head &+ 1])) }
    }

    /// Moves past the record at the head.
    @inline(__always)
    mutating func advance(in words: UnsafeBufferPointer<Int32>) {
        head &+= 1
        value = head < end ? words[Int(head)] : .max
    }
}

/// The runs of ``Candidates``: the first three in place (plain fields: an `InlineArray` was copied
/// whole on every access; those not used hold ``Run/init()``, no run), the rest in a ``SpillBuffer`` (an
/// array made `Candidates` a value to destroy, and copy, after every walk), which ``free()`` gives back.
struct Runs: BitwiseCopyable {
    static let inlineCount = 3
    private var first = Run()
    private var second = Run()
    private var third = Run()
    private var more = SpillBuffer<Run>()
    private(set) var count = 0

    @inline(__always)
    mutating func append(_ run: Run) {
        switch count {
        case 0: first = run
        case 1: second = run
        case 2: third = run
        default: more.append(run)
        }
        count &+= 1
    }

    /// The lowest record at the head of a run, or `bound` when that is lower (or the same); the runs
    /// whose head it is move past it. `Int32.max` when every run is at its end and `bound` is too.
    ///
    /// Mutating, and one function: with a non-mutating `lowest` and an `advance`, the walk copied the
    /// 104-byte `Runs` to the stack for every rule handed over (the walk keeps its `Candidates` in
    /// memory: ``Candidates/keepOnlyEffects(after:)`` takes it `inout`).
    @inline(__always)
    mutating func next(below bound: Int32, in filed: UnsafeBufferPointer<Int32>) -> Int32 {
        var best = Swift.min(bound, Swift.min(first.value, Swift.min(second.value, third.value)))
        if count > Self.inlineCount { best = lowestMore(below: best) }
        guard best != .max else { return best }
        if first.value == best { first.advance(in: filed) }
        if second.value == best { second.advance(in: filed) }
        if third.value == best { third.advance(in: filed) }
        if count > Self.inlineCount { advanceMore(past: best, in: filed) }
        return best
    }

    /// The lowest head among the runs past the first three, or `bound` when that is lower. Out of
    /// line, as ``advanceMore(past:in:)``: the optimizer inlines a function marked `@inline(__always)`
    /// into a large caller only while it has at most 64 blocks, and the loops over the spilled runs
    /// took `Candidates.next()` past that.
    @inline(never)
    private func lowestMore(below bound: Int32) -> Int32 {
        var best = bound
        for index in 0..<more.count { best = Swift.min(best, more[index].value) }
        return best
    }

    @inline(never)
    private mutating func advanceMore(past position: Int32, in filed: UnsafeBufferPointer<Int32>) {
        for index in 0..<more.count where more[index].value == position {
            more[index].advance(in: filed)
        }
    }

    subscript(index: Int) -> Run {
        get {
            switch index {
            case 0: first
            case 1: second
            case 2: third
            default: more[index - Self.inlineCount]
            }
        }
        set {
            switch index {
            case 0: first = newValue
            case 1: second = newValue
            case 2: third = newValue
            default: more[index - Self.inlineCount] = newValue
            }
        }
    }

    /// Gives back the storage of the runs past the first three (see ``SpillBuffer``).
    mutating func free() {
        more.free()
    }
}
