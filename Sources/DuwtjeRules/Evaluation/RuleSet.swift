public import Foundation
import Dispatch
import Synchronization

/// A compiled, immutable rule set: what the daemon serves and swaps whole on reload.
///
/// Built once per load. Rules are kept per journey in the spec's total order (priority,
/// specificity, declaration order) and indexed by stage, persona and one discriminating context
/// value, so that evaluating a request touches only rules that can match it.
///
/// A final class of constants: requests share one instance without copying its tables.
public final class RuleSet: Sendable {
    public let definition: RuleSetDefinition
    public let timeZone: TimeZone
    let journeys: [CompiledJourney]
    let journeyIndex: IDTable
    let personaIndex: IDTable
    let contextKeyIndex: IDTable
    let contextKeys: [ContextKeyDefinition]
    /// The numbers of the text values conditions compare with and of closed keys' declared values:
    /// what a request's values are looked up in, once.
    let valueNumbers: ValueNumbers
    /// What "did you mean" hints for unknown personas, context keys and (by key) values are chosen from.
    let personaHints: Suggestions.Vocabulary
    let contextKeyHints: Suggestions.Vocabulary
    let closedValueHints: [Suggestions.Vocabulary?]
    let content: [CompiledContent]
    /// What the walk checks of each item before picking it, by the item's index: flat, so that an
    /// item passed over or picked costs neither a retain nor its object's cache lines.
    let contentFilters: ContiguousArray<CompiledContent.Filter>
    /// The index of the `language` context key, which content languages are compared with.
    let languageKey: Int?
    /// Each nudge's dismissal window in seconds (``NudgeDefinition/dismissWindow``), by nudge id.
    let dismissWindows: [String: Int64]

    /// How long a dismissal of nudge `id` holds, in seconds; nil for an unknown nudge.
    public func dismissWindow(of id: String) -> Int64? { dismissWindows[id] }

    /// `sha256:…`: every answer carries it.
    public var version: String { definition.version }

    public convenience init(_ definition: RuleSetDefinition, timeZone: TimeZone) {
        let tables = SharedTables(definition, timeZone: timeZone)
        let byJourney = definition.ruleIndicesByJourney
        self.init(definition, tables, journeys: definition.journeys.map { journey in
            tables.compile(journey, rules: definition.rules, positions: byJourney[journey.id] ?? [])
        })
    }

    /// A rule set of `definition` whose journeys are compiled already (all of them, or, for
    /// ``JourneyByJourney``, one). With `inOneRegion` (a set that serves requests) their programs
    /// are moved into one region of huge pages (``CompiledJourney/inOneRegion(_:)``).
    init(_ definition: RuleSetDefinition, _ tables: SharedTables, journeys: [CompiledJourney], inOneRegion: Bool = true) {
        self.definition = definition
        self.timeZone = tables.timeZone
        self.personaIndex = tables.personaIndex
        self.contextKeyIndex = tables.contextKeyIndex
        self.contextKeys = definition.contextKeys
        self.valueNumbers = tables.valueNumbers
        self.personaHints = tables.personaHints
        self.contextKeyHints = tables.contextKeyHints
        self.closedValueHints = tables.closedValueHints
        self.languageKey = tables.languageKey
        self.dismissWindows = tables.dismissWindows
        self.content = tables.content
        self.contentFilters = ContiguousArray(tables.content.lazy.map { item in
            CompiledContent.Filter(item, numbers: tables.valueNumbers, languageKey: tables.languageKey)
        })
        var journeyIndex: [String: Int] = [:]
        for (index, journey) in definition.journeys.enumerated() { journeyIndex[journey.id] = index }
        self.journeys = inOneRegion ? CompiledJourney.inOneRegion(journeys) : journeys
        self.journeyIndex = IDTable(journeyIndex)
    }
}

/// What every journey's rules are compiled against, and every request reads besides them: the
/// indexes of personas, context keys and content, and the compiled catalogue. Built once per rule set.
struct SharedTables: Sendable {
    let timeZone: TimeZone
    let personaIndex: IDTable
    let contextKeyIndex: IDTable
    let valueNumbers: ValueNumbers
    let personaHints: Suggestions.Vocabulary
    let contextKeyHints: Suggestions.Vocabulary
    let closedValueHints: [Suggestions.Vocabulary?]
    let languageKey: Int?
    let dismissWindows: [String: Int64]
    let content: [CompiledContent]
    let compiler: Compiler
    let personaCount: Int

    /// `workers`: where the value numbers are made meanwhile (a fifth of a compile at 10,000 rules, on
    /// one thread while the other core idled: issue 15), as ``RuleSet/init(serving:timeZone:workers:)``
    /// passes them; the system's threads when nil. The tables are the same either way.
    init(_ definition: RuleSetDefinition, timeZone: TimeZone, workers: LoadWorkers? = nil) {
        self.timeZone = timeZone
        var personaIndex: [String: Int] = [:]
        for (index, persona) in definition.personas.enumerated() { personaIndex[persona.id] = index }
        var contextKeyIndex: [String: Int] = [:]
        for (index, key) in definition.contextKeys.enumerated() { contextKeyIndex[key.id] = index }
        // Items read where they stand (`enumerated()` copied each one), the table sized at once.
        var contentIndex: [String: Int] = [:]
        contentIndex.reserveCapacity(definition.content.count)
        for index in definition.content.indices { contentIndex[definition.content[index].id] = index }
        self.personaIndex = IDTable(personaIndex)
        self.contextKeyIndex = IDTable(contextKeyIndex)
        // The value numbers on another thread while this one makes the rest. Its copy of the
        // definition is taken out of the box and let go before the job is done, so none is left
        // once this returns (a caller that then changes its rules would copy them all).
        let input = Mutex<RuleSetDefinition?>(definition)
        let numbered = Mutex<ValueNumbers?>(nil)
        let numbering = DispatchGroup()
        let contextKeyTable = self.contextKeyIndex
        LoadWorkers.async(on: workers, group: numbering) {
            guard let definition = input.withLock({ $0.take() }) else { return }
            let numbers = ValueNumbers(definition, contextKeyIndex: contextKeyTable)
            numbered.withLock { $0 = numbers }
        }
        self.personaHints = Suggestions.Vocabulary(personaIndex.keys)
        self.contextKeyHints = Suggestions.Vocabulary(contextKeyIndex.keys)
        self.closedValueHints = definition.contextKeys.map { key in
            if case .closed(let values) = key.kind { Suggestions.Vocabulary(values) } else { nil }
        }
        self.languageKey = contextKeyIndex["language"]
        var dismissWindows: [String: Int64] = [:]
        dismissWindows.reserveCapacity(definition.rules.count)
        // Each rule's nudges in `allNudges`'s order, read where they stand: a loop over the rules
        // copied every rule (a retain and a release of each of its fields) and made an array of each's nudges.
        let rules = definition.rules
        for position in rules.indices {
            if let nudge = rules[position].nudge { dismissWindows[nudge.id] = nudge.dismissWindow }
            for variant in rules[position].variants.indices {
                if case .replace(let nudge) = rules[position].variants[variant].nudge { dismissWindows[nudge.id] = nudge.dismissWindow }
            }
        }
        self.dismissWindows = dismissWindows
        self.content = definition.content.map { CompiledContent($0, timeZone: timeZone) }
        let catalogue = ContentIndex(definition.content)
        numbering.wait()
        let valueNumbers = numbered.withLock { $0.take() } ?? ValueNumbers(definition, contextKeyIndex: self.contextKeyIndex)
        self.valueNumbers = valueNumbers
        self.compiler = Compiler(personaIndex: self.personaIndex, contextKeyIndex: self.contextKeyIndex, contentIndex: contentIndex,
                                 content: definition.content, contextKeys: definition.contextKeys, timeZone: timeZone,
                                 catalogue: catalogue, valueNumbers: valueNumbers,
                                 checkedContent: definition.content.map { $0.active != nil || $0.language != nil })
        self.personaCount = definition.personas.count
    }

    /// `journey` with the rules at `positions` of `rules` (the set's rules, in declaration order).
    func compile(_ journey: JourneyDefinition, rules: [RuleDefinition], positions: [Int]) -> CompiledJourney {
        compiler.journey(journey, rules: rules, positions: positions, personaCount: personaCount)
    }
}

/// A rule set compiled one journey at a time, for tools that go through a large set journey by
/// journey (``JourneyMatrix``): at 100,000 rules the compiled rules and their index are ≈ 90 MB,
/// of which one journey at a time needs ≈ 0.5 MB. The shared tables are compiled once.
struct JourneyByJourney {
    let definition: RuleSetDefinition
    let tables: SharedTables
    let byJourney: [String: [Int]]
    /// Every journey without its rules: what the other journeys are in a one-journey rule set.
    let withoutRules: [CompiledJourney]

    init(_ definition: RuleSetDefinition, timeZone: TimeZone) {
        self.definition = definition
        let tables = SharedTables(definition, timeZone: timeZone)
        self.tables = tables
        self.byJourney = definition.ruleIndicesByJourney
        self.withoutRules = definition.journeys.map { tables.compile($0, rules: [], positions: []) }
    }

    /// A rule set in which only the rules of the journey at `index` are compiled. Its answers to
    /// requests for that journey are the whole set's (a request never consults another journey's
    /// rules); for any other journey it knows only the fallbacks, so it must not be used for them.
    func ruleSet(forJourneyAt index: Int) -> RuleSet {
        let journey = definition.journeys[index]
        var journeys = withoutRules
        journeys[index] = tables.compile(journey, rules: definition.rules, positions: byJourney[journey.id] ?? [])
        // Not in a region: a set a journey, each asked a few dozen questions, would copy every
        // journey's program into a region of its own (`duwtje matrix /tmp/gen100k --json`: 5.0–5.5 s
        // with them against 4.6–4.9 s before regions; 4.2–4.3 s without, main's 4.1–4.2 in the same run).
        return RuleSet(definition, tables, journeys: journeys, inOneRegion: false)
    }
}

/// A class so that reading an item on the request path retains one reference, not five strings.
final class CompiledContent: Sendable {
    let id: String
    let type: String
    let title: String
    let url: String
    let language: String?
    let from: Date?
    let until: Date?

    init(_ item: ContentItem, timeZone: TimeZone) {
        id = item.id
        type = item.type
        title = item.title
        url = item.url
        language = item.language
        from = item.active?.from?.resolved(in: timeZone)
        until = item.active?.until?.resolved(in: timeZone)
    }

    /// `other` with some of the fields an answer shows replaced (a ``Recommendation``'s setters).
    init(_ other: CompiledContent, id: String? = nil, type: String? = nil, title: String? = nil, url: String? = nil) {
        self.id = id ?? other.id
        self.type = type ?? other.type
        self.title = title ?? other.title
        self.url = url ?? other.url
        language = other.language
        from = other.from
        until = other.until
    }

    func isActive(at now: Date) -> Bool {
        if let from, now < from { return false }
        if let until, now >= until { return false }
        return true
    }

    /// An item's active window (seconds since the reference date, NaN for no bound, which every
    /// comparison is false with: ``isActive(at:)``) and its language as a value number of the
    /// `language` context key (``ValueNumbers``, which numbers every content language; -1: the item
    /// has none, or the set has no `language` key, when every request accepts it).
    ///
    /// The number, not the text: the walk compared the request's language strings with the item's
    /// ``CompiledContent/language``, which it read through ``RuleSet/content`` (the array's element,
    /// then the object): two lines one after the other at the end of the walk's chain, ~0.24 L2
    /// misses an evaluation at 100,000 rules (issue 15, branch req17). A request's language values
    /// are numbered anyway (``RequestValueNumbers``): two texts are equal exactly when their numbers
    /// are, since a key's numbers are a `Dictionary`'s (``IDTable``).
    struct Filter: Sendable, BitwiseCopyable {
        let from: Double
        let until: Double
        let language: Int32

        init(_ item: CompiledContent, language: Int32) {
            from = item.from?.timeIntervalSinceReferenceDate ?? .nan
            until = item.until?.timeIntervalSinceReferenceDate ?? .nan
            self.language = language
        }

        /// `item`'s filter, its language numbered by `numbers` under the context key at `languageKey`.
        init(_ item: CompiledContent, numbers: ValueNumbers, languageKey: Int?) {
            // Every content language is numbered under the key (``ValueNumbers``): nil only without the key.
            let number = languageKey.flatMap { key in item.language.flatMap { numbers.number(of: $0, key: key) } }
            assert(number != nil || item.language == nil || languageKey == nil, "a content language without a number")
            self.init(item, language: number ?? -1)
        }

        /// ``CompiledContent/isActive(at:)`` at `time` (`timeIntervalSinceReferenceDate`).
        @inline(__always)
        func isActive(at time: Double) -> Bool {
            !(time < from || time >= until)
        }
    }
}

struct CompiledWhen: Sendable {
    /// Allowed stage indices, or nil for any stage.
    let stages: [Bool]?
    /// Allowed persona indices, or nil for any persona (or none).
    let personas: [Bool]?
    /// The context conditions, in the journey's ``CompiledJourney/match``.
    let conditions: Range<Int32>

    /// Whether `persona` (nil: none or unknown) is one this condition allows: the one persona test,
    /// for rules (``RuleSet/stageOrPersonaFailure(of:_:)``) and stage signals alike.
    func allows(persona: Int?) -> Bool {
        guard let personas else { return true }
        guard let persona else { return false }
        return personas[persona]
    }
}

enum CompiledItem: Sendable {
    case content(Int)
    case query([Int], limit: Int)
}

/// A class: the walk looks at a rule's nudge for every matching rule until one is served, and a
/// struct of five fields would be copied (and its strings retained) each time.
///
/// What admission reads of every candidate (``cap``, ``idHash``, ``serial``) comes first, next to
/// the object's header: a class keeps its fields in declaration order, and declared last (at bytes
/// 96–136) they were a line or two of their own beside the header's, cold at 100,000 rules (issue 15).
final class CompiledNudge: Sendable {
    let cap: Cap?
    /// ``NudgeOffer/idHash(of:)`` of `id`, made here once: admission hands it to the caps for every
    /// candidate, and hashing the id there each time cost ~40 instructions a candidate.
    let idHash: UInt64
    /// ``NudgeOffer/serial``: the caps find this nudge among a visitor's by it, without its id.
    let serial: UInt64
    let id: String
    let message: String
    let cta: CallToAction?
    let alternative: String?

    init(id: String, message: String, cta: CallToAction?, alternative: String?, cap: Cap?) {
        self.id = id
        self.idHash = NudgeOffer.idHash(of: id)
        self.serial = NudgeOffer.nextSerial()
        self.message = message
        self.cta = cta
        self.alternative = alternative
        self.cap = cap
    }

    /// `other` with some of the fields an answer shows replaced (a ``ServedNudge``'s setters).
    convenience init(_ other: CompiledNudge, id: String? = nil, message: String? = nil, cta: CallToAction?? = nil,
                     alternative: String?? = nil) {
        self.init(id: id ?? other.id, message: message ?? other.message, cta: cta ?? other.cta,
                  alternative: alternative ?? other.alternative, cap: other.cap)
    }
}

/// A variant as answers show it; what the walk reads of it is in the journey's ``MatchTable``.
struct CompiledVariant: Sendable {
    let id: String
    /// nil: inherit the rule's nudge; `.some(nil)`: no nudge; `.some(n)`: this nudge.
    let nudge: CompiledNudge??
}

/// A rule as answers, explanations and tools read it: the walk reads a rule's conditions and
/// effects (what it recommends, its nudge, its variants' weights) from the journey's ``MatchTable``,
/// and reads the rule itself only to explain it or for the id of an exclusive rule. A class: copying
/// a struct of this size would retain and release each of its fields. It holds no copy of its
/// ``RuleDefinition`` (``RuleSet/definition`` has them): an inline copy was 470 bytes a rule,
/// 47 MB at 100,000 rules that nothing read.
///
/// ``nudge`` and ``variants``, which admission reads of every candidate, come first, next to the
/// object's header (declared after `when`, `from`, `until` and `why` they were at bytes 104–128,
/// often a line of their own; issue 15).
final class CompiledRule: Sendable {
    let nudge: CompiledNudge?
    let variants: [CompiledVariant]
    let id: String
    let when: CompiledWhen
    let from: Date?
    let until: Date?
    let why: String?
    let exclusive: Bool
    /// Whether this rule or any of its variants can serve a nudge.
    let mayNudge: Bool
    /// Whether the rule may still change an answer whose list is full: it may nudge, or cut the walk.
    var hasEffectOnceFull: Bool { mayNudge || exclusive }

    init(id: String, when: CompiledWhen, from: Date?, until: Date?, why: String?,
         nudge: CompiledNudge?, exclusive: Bool, variants: [CompiledVariant], mayNudge: Bool) {
        self.id = id
        self.when = when
        self.from = from
        self.until = until
        self.why = why
        self.nudge = nudge
        self.exclusive = exclusive
        self.variants = variants
        self.mayNudge = mayNudge
    }
}

/// The rules of one (stage, persona) slot of a journey: in general, or filed under one value of one
/// context key they require.
///
/// Flat and exactly sized (built by ``BucketBuilder``): a list per filed value was one allocation
/// each, 59,000 of them and 2.4 MB at 10,000 rules. A bucket's lists are in the journey's
/// ``MatchTable/program``, after the rules, and so is the bucket itself: a block of
/// ``CompiledJourney/bucketStride`` words (a cache line for a journey filing rules under at most
/// 128 values), its header (``headerWords``) and which of the journey's filed values
/// (``CompiledJourney/filedValues``) rules are filed under here, as a bitmap with counts
/// (``slot(ofValue:block:in:)``). The blocks lie at a fixed stride, so a request finds its bucket
/// by arithmetic on the journey's fields.
///
/// Why (issue 15, branch walk15): at 100,000 rules, where the 13,000 buckets of 200 journeys do not
/// stay in the caches, finding a request's runs cost ~4.3 L2 misses an evaluation besides the lists
/// themselves: the bucket in an array of its own (1.2), the halving search over the bucket's own
/// sorted filed numbers (1.8, two or three lines of them) and the starts of each run (1.3). The
/// search is now over the journey's filed values, which every request of the journey reads (they
/// stay in the caches between its requests), and the bucket's own part is its one block.
struct Bucket: Sendable, BitwiseCopyable {
    /// Every rule of the bucket, and (``effects``) only those that can still change an answer whose
    /// list is full (``CompiledRule/hasEffectOnceFull``): once the list is full the walk goes on in
    /// those, instead of handing over and passing by each rule that can do nothing any more.
    let all: Lists
    let effects: Lists
    /// How many values rules are filed under here (the set bits of the block's bitmap).
    let filedCount: Int32
    /// The record of the first rule of the general list of every rule (``all``), 0 when it is empty:
    /// in the block, so that the walk can ask for it as soon as the block is read, without waiting
    /// for the list's line first.
    let firstGeneral: Int32

    /// The words of a block before its bitmap: the two ``Lists`` (three words each), ``filedCount``
    /// and ``firstGeneral``.
    static let headerWords = 8

    init(all: Lists, effects: Lists, filedCount: Int32, firstGeneral: Int32) {
        self.all = all
        self.effects = effects
        self.filedCount = filedCount
        self.firstGeneral = firstGeneral
    }

    /// The bucket whose block starts at `block` of `words` (the program).
    @inline(__always)
    init(block: Int, in words: UnsafeBufferPointer<Int32>) {
        all = Lists(generalStart: words[block], generalEnd: words[block &+ 1], filedStarts: words[block &+ 2], endOffset: 1)
        effects = Lists(generalStart: words[block &+ 3], generalEnd: words[block &+ 4], filedStarts: words[block &+ 5], endOffset: 2)
        filedCount = words[block &+ 6]
        firstGeneral = words[block &+ 7]
    }

    /// The words of a block, ``CompiledJourney/bucketStride`` of them: the header, then per 32 of the
    /// journey's filed values (by their index among them) a word of bits, one per value filed under
    /// here, and how many values are filed here before those 32.
    func block(filed values: [Int], valueCount: Int, stride: Int) -> [Int32] {
        var words = [all.generalStart, all.generalEnd, all.filedStarts, effects.generalStart, effects.generalEnd,
                     effects.filedStarts, filedCount, firstGeneral]
        let chunks = (valueCount + 31) / 32
        var bits = [UInt32](repeating: 0, count: chunks)
        for value in values { bits[value / 32] |= 1 << UInt32(value % 32) }
        var before: Int32 = 0
        for chunk in bits {
            words.append(Int32(bitPattern: chunk))
            words.append(before)
            before += Int32(chunk.nonzeroBitCount)
        }
        words.append(contentsOf: repeatElement(0, count: stride - words.count))
        return words
    }

    /// The words a block takes for a journey that files rules under `valueCount` values: its header
    /// and bitmap, rounded up to whole cache lines (one line up to 128 values).
    static func stride(valueCount: Int) -> Int {
        let words = headerWords + 2 * ((valueCount + 31) / 32)
        return (words + MatchTable.lineWords - 1) / MatchTable.lineWords * MatchTable.lineWords
    }

    /// The slot among this bucket's filed values (ascending, as the journey's are) of the journey's
    /// filed value at index `value`, if rules are filed under it here: its bit, and the bits set
    /// before it counted. `block` is where the bucket's block starts in `words` (the program).
    @inline(__always)
    static func slot(ofValue value: Int, block: Int, in words: UnsafeBufferPointer<Int32>) -> Int? {
        let chunk = block &+ headerWords &+ (value &>> 5) &* 2
        let bits = UInt32(bitPattern: words[chunk])
        let bit = UInt32(1) &<< UInt32(truncatingIfNeeded: value & 31)
        guard bits & bit != 0 else { return nil }
        return Int(words[chunk &+ 1]) &+ (bits & (bit &- 1)).nonzeroBitCount
    }

    /// Rules as their records' offsets in the program (``MatchTable/program``: records are in rank
    /// order, so these ascend as the rules' positions do), in the program: rules that do not require a particular value
    /// (`program[generalStart ..< generalEnd]`), and those filed under the value at slot `i` of the
    /// filed values, `program[program[filedStarts + 3 i] ..< program[filedStarts + 3 i + endOffset]]`.
    ///
    /// The two sets of lists lie side by side (``BucketBuilder/bucket(effect:records:counts:into:)``):
    /// the starts of a value's two lists are two words of three, and each of its lists of every rule is
    /// followed by its list of rules with an effect once full, as the general lists are. A request
    /// that fills its answer and goes on in ``effects`` then mostly reads lines it has read already:
    /// one after the other, the two sets were three more lines (its starts, its general list and its
    /// run) a request at 100,000 rules, where a bucket's words are not in the caches. The third word
    /// is the record of the first rule of the value's list of every rule (``firstFiled(at:in:)``).
    struct Lists: Sendable, BitwiseCopyable {
        let generalStart: Int32
        let generalEnd: Int32
        let filedStarts: Int32
        /// Where a value's list ends, counted from the word of its start: 1 in ``Bucket/all`` (it ends
        /// where the value's effects list starts), 2 in ``Bucket/effects`` (it ends where the next
        /// value's list of every rule starts, past the first record's word).
        let endOffset: Int32

        /// The words a filed value's starts take: its two lists' starts and its first record.
        static let startWords = 3

        /// Where the rules filed under the value at `slot` are in `words` (the program).
        @inline(__always)
        func filed(at slot: Int, in words: UnsafeBufferPointer<Int32>) -> Range<Int> {
            let start = Int(filedStarts) &+ slot &* Self.startWords
            return Int(words[start])..<Int(words[start &+ Int(endOffset)])
        }

        /// ``filed(at:in:)`` of ``Bucket/all``, and the record of the first rule there (never empty:
        /// a value has a slot only when a rule is filed under it). Beside the starts, the first record
        /// can be asked for once they are read, without waiting for the list's line first (issue 15,
        /// branch walk16).
        @inline(__always)
        func firstFiled(at slot: Int, in words: UnsafeBufferPointer<Int32>) -> (range: Range<Int>, first: Int32) {
            let start = Int(filedStarts) &+ slot &* Self.startWords
            return (Int(words[start])..<Int(words[start &+ 1]), words[start &+ 2])
        }
    }
}

/// A ``Bucket`` while the compiler files rules into it.
struct BucketBuilder {
    var general: [Int32] = []
    /// Every filing in the order it was made, grouped by value only when the bucket is made: a
    /// dictionary of lists hashed the value for each of the ~250,000 filings at 10,000 rules and
    /// grew a list per value.
    var filed: [Filing] = []

    struct Filing {
        var number: Int32
        var position: Int32
    }

    /// Files the rule at `position` under value `number` (positions come in rank order).
    mutating func file(_ position: Int, under number: Int32) {
        filed.append(Filing(number: number, position: Int32(position)))
    }

    /// The bucket, its lists appended to `words` (the journey's program), and the numbers of the
    /// values rules are filed under in it, ascending (its block, ``Bucket/block(filed:valueCount:stride:)``,
    /// is written once every bucket's values are known); `effect[position]` tells which rules go
    /// in its ``Bucket/effects`` as well, and `records[position]` where each rule's record is (what
    /// the lists hold).
    ///
    /// The filings are grouped by value with a counting sort (`counts`: zeros, one per value number
    /// filed in the journey, and zeros again on return). Filings come in rank order, so each value's
    /// positions stay in rank order: the order a sort by (value, position) gave, which took a
    /// closure call per comparison and was an eighth of the compile.
    func bucket(effect: [Bool], records: [Int32], counts: inout [Int32],
                into words: inout ContiguousArray<Int32>) -> (bucket: Bucket, numbers: [Int32]) {
        var numbers: [Int32] = []
        for filing in filed {
            if counts[Int(filing.number)] == 0 { numbers.append(filing.number) }
            counts[Int(filing.number)] &+= 1
        }
        numbers.sort()
        // `counts` becomes each value's next place in `grouped`.
        var next: Int32 = 0
        for number in numbers {
            let count = counts[Int(number)]
            counts[Int(number)] = next
            next &+= count
        }
        var grouped = [Int32](repeating: 0, count: filed.count)
        for filing in filed {
            grouped[Int(counts[Int(filing.number)])] = filing.position
            counts[Int(filing.number)] &+= 1
        }
        // Now `counts[number]` is where the value's group ends; the groups follow one another.
        var ends: [Int32] = []
        ends.reserveCapacity(numbers.count)
        for number in numbers {
            ends.append(counts[Int(number)])
            counts[Int(number)] = 0
        }
        // No `reserveCapacity` here: reserving exactly for each bucket copied the whole program for
        // every bucket; the journey trims the program once at the end (``MatchTable/trim(aligning:)``).
        // The starts of each value's two lists and its first record, then where the last list ends (see ``Bucket/Lists``).
        let starts = words.count
        let startWords = Bucket.Lists.startWords
        if !numbers.isEmpty { words.append(contentsOf: repeatElement(0, count: startWords * numbers.count + 1)) }
        let generalStart = Int32(words.count)
        for position in general { words.append(records[Int(position)]) }
        let effectsGeneralStart = Int32(words.count)
        for position in general where effect[Int(position)] { words.append(records[Int(position)]) }
        let effectsGeneralEnd = Int32(words.count)
        var start = 0
        for (slot, end) in ends.enumerated() {
            words[starts + startWords * slot] = Int32(words.count)
            words[starts + startWords * slot + 2] = records[Int(grouped[start])]
            for position in grouped[start..<Int(end)] { words.append(records[Int(position)]) }
            words[starts + startWords * slot + 1] = Int32(words.count)
            for position in grouped[start..<Int(end)] where effect[Int(position)] { words.append(records[Int(position)]) }
            start = Int(end)
        }
        if !numbers.isEmpty { words[starts + startWords * numbers.count] = Int32(words.count) }
        let all = Bucket.Lists(generalStart: generalStart, generalEnd: effectsGeneralStart, filedStarts: Int32(starts), endOffset: 1)
        let effects = Bucket.Lists(generalStart: effectsGeneralStart, generalEnd: effectsGeneralEnd, filedStarts: Int32(starts + 1),
                                   endOffset: 2)
        let firstGeneral = general.first.map { records[Int($0)] } ?? 0
        return (Bucket(all: all, effects: effects, filedCount: Int32(numbers.count), firstGeneral: firstGeneral), numbers)
    }
}

/// A class for the same reason as `CompiledRule`: every request reads one.
final class CompiledJourney: Sendable {
    let id: String
    let stageIDs: [String]
    let stageIndex: IDTable
    /// What hints for an unknown stage are chosen from.
    let stageHints: Suggestions.Vocabulary
    /// Each stage's signals, in journey order.
    let stageWhens: [CompiledWhen?]
    let stageFallbacks: [[Int]]
    let fallback: [Int]
    /// The journey's rules in rank order.
    let rules: [CompiledRule]
    /// Their context conditions, active windows and effects (and the stage signals' conditions), as
    /// the walk reads them.
    let match: MatchTable
    /// Where the blocks of the journey's ``Bucket``s start in the program (``MatchTable/program``), one
    /// every ``bucketStride`` words, by `(stage slot) * (personas + 1) + (persona slot)`; slot 0 of
    /// persona and the last stage slot stand for "none or unknown". A multiple of a cache line's words.
    let bucketBlocks: Int
    let bucketStride: Int
    let personaSlots: Int
    /// How many stages the journey has (``bucketBlock(stage:persona:)`` read it as `stageIDs.count`,
    /// from the array's own storage: a cache line more a request at 100,000 rules).
    let stageCount: Int
    /// The context keys rules of this journey are filed under in its buckets (by the numbers of their
    /// values, ``ValueNumbers``), ascending: the keys whose request values the index looks at. In the
    /// program at `filedKeys` (an array of them was retained and released every request).
    let filedKeys: Range<Int>
    /// The numbers of every value rules of this journey are filed under, ascending, in the program at
    /// `filedValues`, right after the filed keys: a request's value is searched here, once, and its
    /// index among them is looked up in the bucket's bitmap (``Bucket/slot(ofValue:block:in:)``).
    let filedValues: Range<Int>
    /// The stages' ids as bytes in the program, in stage order, right before ``filedKeys``
    /// (``stagePosition(of:)``, ``appendID(_:to:)``).
    let stageIDWords: Range<Int>
    /// Each stage's signals as ``signalledStage(_:_:)`` reads them, in the program right after the
    /// signals' conditions (the program's first words), ``signalWordsPerStage`` words a stage in
    /// stage order: how many conditions (-1: no signals, or signals that never hold), where their
    /// code starts in the program, and whether they name personas (1: ask ``stageWhens``).
    ///
    /// Why (issue 15, branch walk16): for a request without a stage, reading ``stageWhens`` (the
    /// array's header and its elements) and the first condition's start in the match table's
    /// ``MatchTable/conditions`` were ~0.5 L2 misses an evaluation at 100,000 rules, lines of their
    /// own besides the conditions' code, which these words now share a line with.
    let signalWords: Range<Int>

    static let signalWordsPerStage = 3

    convenience init(id: String, stageIDs: [String], stageIndex: IDTable, stageWhens: [CompiledWhen?], stageFallbacks: [[Int]],
                     fallback: [Int], rules: [CompiledRule], match: MatchTable, bucketBlocks: Int, bucketStride: Int,
                     personaSlots: Int, filedKeys: Range<Int>, filedValues: Range<Int>, stageIDWords: Range<Int>,
                     signalWords: Range<Int>) {
        self.init(id: id, stageIDs: stageIDs, stageIndex: stageIndex, stageHints: Suggestions.Vocabulary(stageIDs),
                  stageWhens: stageWhens, stageFallbacks: stageFallbacks, fallback: fallback, rules: rules, match: match,
                  bucketBlocks: bucketBlocks, bucketStride: bucketStride, personaSlots: personaSlots, filedKeys: filedKeys,
                  filedValues: filedValues, stageIDWords: stageIDWords, signalWords: signalWords)
    }

    init(id: String, stageIDs: [String], stageIndex: IDTable, stageHints: Suggestions.Vocabulary, stageWhens: [CompiledWhen?],
         stageFallbacks: [[Int]], fallback: [Int], rules: [CompiledRule], match: MatchTable, bucketBlocks: Int,
         bucketStride: Int, personaSlots: Int, filedKeys: Range<Int>, filedValues: Range<Int>, stageIDWords: Range<Int>,
         signalWords: Range<Int>) {
        self.id = id
        self.stageIDs = stageIDs
        self.stageIndex = stageIndex
        self.stageHints = stageHints
        self.filedKeys = filedKeys
        self.filedValues = filedValues
        self.stageIDWords = stageIDWords
        self.signalWords = signalWords
        self.stageCount = stageIDs.count
        self.stageWhens = stageWhens
        self.stageFallbacks = stageFallbacks
        self.fallback = fallback
        self.rules = rules
        self.match = match
        self.bucketBlocks = bucketBlocks
        self.bucketStride = bucketStride
        self.personaSlots = personaSlots
    }

    /// The offer of the candidate of the rule at `rule` (rank position) and its variant at `variant`
    /// (-1: none), as ``MatchTable/offer(rule:variant:capped:)`` reads it from ``match``, borrowed here
    /// in the journey's own method (see ``withMatch(_:)``); nil: read the objects.
    @inline(__always)
    func offer(rule: Int, variant: Int, capped: Bool) -> NudgeOffer? {
        match.offer(rule: rule, variant: variant, capped: capped)
    }

    /// Runs `body` with the view of ``match``. Read here, in the journey's own method, the table's
    /// arrays are borrowed where they stand: read from outside, `journey.match` was copied first
    /// (a retain and a release of each of its arrays, every request).
    func withMatch<Result>(_ body: (MatchTable.View) -> Result) -> Result {
        match.withView(body)
    }

    /// The last stage whose signals hold for `facts` (which have no stage yet), or nil, read from
    /// ``signalWords``; ``stageWhens`` only for signals that name personas.
    func signalledStage(_ match: MatchTable.View, _ facts: Facts) -> Int? {
        var index = stageCount
        var word = signalWords.lowerBound &+ stageCount &* Self.signalWordsPerStage
        while index > 0 {
            index &-= 1
            word &-= Self.signalWordsPerStage
            let count = Int(match.program[word])
            guard count >= 0 else { continue }
            if match.program[word &+ 2] != 0, stageWhens[index]?.allows(persona: facts.persona) != true { continue }
            if match.failedCondition(atProgram: Int(match.program[word &+ 1]), count: count, facts) == nil { return index }
        }
        return nil
    }

    /// The words of the stages' signals in ``signalWords``, appended to `program` (the match table's,
    /// whose conditions the signals' ranges are in), in stage order.
    static func appendSignals(_ whens: [CompiledWhen?], conditions: ContiguousArray<MatchTable.Condition>,
                              to program: inout ContiguousArray<Int32>) {
        for when in whens {
            // A stage's signals name no stage (the loader allows only persona and context): any that
            // did would never hold, as before.
            guard let when, when.stages == nil else {
                program.append(contentsOf: [-1, 0, 0])
                continue
            }
            let start = when.conditions.isEmpty ? 0 : conditions[Int(when.conditions.lowerBound)].programStart
            program.append(contentsOf: [Int32(when.conditions.count), start, when.personas == nil ? 0 : 1])
        }
    }

    /// Where the block of the bucket of `stage` and `persona` starts in the program (``Bucket``).
    @inline(__always)
    func bucketBlock(stage: Int?, persona: Int?) -> Int {
        let stageSlot = stage ?? stageCount
        let personaSlot = persona.map { $0 &+ 1 } ?? 0
        return bucketBlocks &+ (stageSlot &* personaSlots &+ personaSlot) &* bucketStride
    }
}

/// Turns checked definitions into the compiled form.
struct Compiler {
    let personaIndex: IDTable
    let contextKeyIndex: IDTable
    let contentIndex: [String: Int]
    let content: [ContentItem]
    let contextKeys: [ContextKeyDefinition]
    let timeZone: TimeZone
    let catalogue: ContentIndex
    let valueNumbers: ValueNumbers
    /// By content index: whether the item has an active window or a language, which the walk
    /// checks (``MatchTable/checkedItem``).
    let checkedContent: [Bool]
    /// Whether records are laid out by cache lines (``MatchTable/endRecord(notes:aligning:)``); off only for
    /// the tests' reference.
    var alignsRecords = true

    /// The journey with the rules at `positions` of `rules`, ranked.
    func journey(_ journey: JourneyDefinition, rules: [RuleDefinition], positions: [Int], personaCount: Int) -> CompiledJourney {
        var stageIDs: [String: Int] = [:]
        for (index, stage) in journey.stages.enumerated() { stageIDs[stage.id] = index }
        let stageIndex = IDTable(stageIDs)
        let stageCount = journey.stages.count
        var match = MatchTable()
        let stageWhens = journey.stages.map { stage in
            stage.when.map { when(for: $0, stageIndex: stageIndex, stageCount: stageCount, match: &match) }
        }
        // Before any record: nothing moves them (``MatchTable/endRecord(notes:aligning:)`` moves a record's own words).
        let signalsStart = match.program.count
        CompiledJourney.appendSignals(stageWhens, conditions: match.conditions, to: &match.program)
        let signalsEnd = match.program.count
        // Positions are ranked by keys read once, not the rules: sorting copies of the rules moved
        // each one (and retained its fields), and every comparison counted specificities again.
        var notes = MatchTable.RecordNotes()
        let ranked = RuleRank.ranked(positions, of: rules).map {
            self.rule(at: $0, of: rules, stageIndex: stageIndex, stageCount: stageCount, match: &match, notes: &notes)
        }
        var nudgeAfter = false
        for index in stride(from: ranked.count - 1, through: 0, by: -1) {
            if nudgeAfter { match.markNudgeAfter(index) }
            nudgeAfter = nudgeAfter || ranked[index].mayNudge
        }
        let effect = ranked.map(\.hasEffectOnceFull)
        let personaSlots = personaCount + 1
        var buckets = [BucketBuilder](repeating: BucketBuilder(), count: (stageCount + 1) * personaSlots)
        var filedKeys = Set<Int>()
        var highestNumber: Int32 = -1
        for (position, rule) in ranked.enumerated() {
            // The discriminating values are read where the table holds them (an array of them was
            // made for every rule), and the key is noted once per rule, not hashed for every slot.
            let discriminator = match.discriminator(rule.when.conditions)
            var filedAny = false
            for stageSlot in 0...stageCount {
                if let stages = rule.when.stages, stageSlot == stageCount || !stages[stageSlot] { continue }
                for personaSlot in 0..<personaSlots {
                    if let personas = rule.when.personas, personaSlot == 0 || !personas[personaSlot - 1] { continue }
                    let slot = stageSlot * personaSlots + personaSlot
                    if let (_, numbers) = discriminator {
                        filedAny = true
                        for offset in numbers { buckets[slot].file(position, under: match.program[offset]) }
                    } else {
                        buckets[slot].general.append(Int32(position))
                    }
                }
            }
            if filedAny, let (key, numbers) = discriminator {
                filedKeys.insert(key)
                for offset in numbers { highestNumber = max(highestNumber, match.program[offset]) }
            }
        }
        var counts = [Int32](repeating: 0, count: Int(highestNumber) + 1)
        // The buckets' lists, their blocks, the filed keys and values follow the rules in the program.
        var compiled: [(bucket: Bucket, numbers: [Int32])] = []
        compiled.reserveCapacity(buckets.count)
        let records = match.rules.map(\.record)
        var filedNumbers = Set<Int32>()
        for builder in buckets {
            compiled.append(builder.bucket(effect: effect, records: records, counts: &counts, into: &match.program))
            filedNumbers.formUnion(compiled[compiled.count - 1].numbers)
        }
        let values = filedNumbers.sorted()
        var valueIndex: [Int32: Int] = [:]
        for (index, number) in values.enumerated() { valueIndex[number] = index }
        // Each block starts a cache line (word 0 of the program does, ``MatchTable/trim(aligning:)``).
        match.padToLine()
        let bucketBlocks = match.program.count
        let bucketStride = Bucket.stride(valueCount: values.count)
        for (bucket, numbers) in compiled {
            let filed = numbers.map { valueIndex[$0] ?? 0 }
            match.program.append(contentsOf: bucket.block(filed: filed, valueCount: values.count, stride: bucketStride))
        }
        // The stage ids, then the filed keys and values: what every request of the journey reads, from a line's start.
        match.padToLine()
        let stageIDsStart = match.program.count
        for stage in journey.stages { CompiledJourney.appendID(stage.id, to: &match.program) }
        let stageIDsEnd = match.program.count
        let filedKeysStart = match.program.count
        for key in filedKeys.sorted() { match.program.append(Int32(key)) }
        // Before the trim, which may put padding in front of word 0 (``MatchTable/trim(aligning:)``).
        let filedKeysEnd = match.program.count
        match.program.append(contentsOf: values)
        let filedValuesEnd = match.program.count
        match.addOffers(ranked)
        match.trim(aligning: alignsRecords)
        return CompiledJourney(
            id: journey.id, stageIDs: journey.stages.map(\.id), stageIndex: stageIndex,
            stageWhens: stageWhens,
            stageFallbacks: journey.stages.map { $0.fallback.compactMap { contentIndex[$0.value] } },
            fallback: journey.fallback.compactMap { contentIndex[$0.value] },
            rules: ranked, match: match, bucketBlocks: bucketBlocks, bucketStride: bucketStride,
            personaSlots: personaSlots,
            filedKeys: filedKeysStart..<filedKeysEnd, filedValues: filedKeysEnd..<filedValuesEnd,
            stageIDWords: stageIDsStart..<stageIDsEnd, signalWords: signalsStart..<signalsEnd)
    }

    /// Ids are looked up in ``IDTable``s (a cheap hash of their bytes): `Dictionary`'s SipHash of
    /// every stage, persona and context key a rule names was a tenth of the compile.
    func when(for condition: Condition, stageIndex: IDTable, stageCount: Int, match: inout MatchTable) -> CompiledWhen {
        var stages: [Bool]?
        if let ids = condition.stages {
            var allowed = [Bool](repeating: false, count: stageCount)
            for id in ids { if let index = stageIndex[id.value] { allowed[index] = true } }
            stages = allowed
        }
        var personas: [Bool]?
        if let ids = condition.personas {
            var allowed = [Bool](repeating: false, count: personaIndex.count)
            for id in ids { if let index = personaIndex[id.value] { allowed[index] = true } }
            personas = allowed
        }
        let start = match.conditionCount
        for context in condition.context {
            guard let key = contextKeyIndex[context.key] else { continue }
            match.addCondition(key: key, name: context.key, tests: context.tests, numbering: valueNumbers)
        }
        return CompiledWhen(stages: stages, personas: personas, conditions: start..<match.conditionCount)
    }

    /// Made with room for every item (`compactMap` grew its array from empty for every rule).
    func items(_ items: [RecommendItem]) -> [CompiledItem] {
        var compiled: [CompiledItem] = []
        compiled.reserveCapacity(items.count)
        for item in items {
            switch item {
            case .content(let id):
                if let index = contentIndex[id.value] { compiled.append(.content(index)) }
            case .query(let type, let tags, let limit, _):
                compiled.append(.query(catalogue.matches(type: type.value, tags: tags), limit: limit))
            }
        }
        return compiled
    }

    func nudge(_ nudge: NudgeDefinition?) -> CompiledNudge? {
        nudge.map { CompiledNudge(id: $0.id, message: $0.message, cta: $0.cta, alternative: $0.alternative, cap: $0.cap) }
    }

    /// The rule at `position` of `rules`, whose fields are read where it stands: a rule handed over
    /// as a value was copied (a retain and a release of each of its fields).
    func rule(at position: Int, of rules: [RuleDefinition], stageIndex: IDTable, stageCount: Int,
              match: inout MatchTable, notes: inout MatchTable.RecordNotes) -> CompiledRule {
        var effects: [MatchTable.VariantEffects] = []
        effects.reserveCapacity(rules[position].variants.count)
        let variants = rules[position].variants.map { variant -> CompiledVariant in
            let nudge: CompiledNudge??
            let effect: MatchTable.VariantNudge
            switch variant.nudge {
            case .inherit:
                (nudge, effect) = (nil, .inherit)
            case .remove:
                (nudge, effect) = (.some(nil), .removed)
            case .replace(let replacement):
                let compiled = self.nudge(replacement)
                nudge = .some(compiled)
                effect = compiled == nil ? .removed : compiled?.cap == nil ? .own : .ownCapped
            }
            effects.append(MatchTable.VariantEffects(weight: UInt64(variant.weight), nudge: effect,
                                                     recommend: variant.recommend.map(items)))
            return CompiledVariant(id: variant.id, nudge: nudge)
        }
        let compiledNudge = nudge(rules[position].nudge)
        let mayNudge = compiledNudge != nil || variants.contains { if case .some(.some) = $0.nudge { return true } else { return false } }
        let record = match.startRecord()
        let when = when(for: rules[position].when, stageIndex: stageIndex, stageCount: stageCount, match: &match)
        let active = rules[position].active
        let from = active?.from?.resolved(in: timeZone)
        let until = active?.until?.resolved(in: timeZone)
        match.addRule(record: record, conditions: when.conditions, from: from, until: until)
        match.addEffects(exclusive: rules[position].exclusive, nudge: compiledNudge.map { $0.cap != nil },
                         recommend: items(rules[position].recommend), variants: effects,
                         seed: effects.isEmpty ? 0 : VariantAssignment.seed(rule: rules[position].id), notes: &notes,
                         checked: checkedContent)
        match.endRecord(notes: &notes, aligning: alignsRecords)
        return CompiledRule(
            id: rules[position].id, when: when, from: from, until: until,
            why: rules[position].why ?? rules[position].description,
            nudge: compiledNudge, exclusive: rules[position].exclusive, variants: variants, mayNudge: mayNudge)
    }
}
