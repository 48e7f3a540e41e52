import Foundation

/// Where a sample's image comes from: a file on disk (resolved against the dataset file's folder)
/// or bytes embedded in the dataset (MMBench TSV carries base64 images).
public enum ImageSource: Sendable, Equatable, Hashable, Codable {
    case file(URL)
    case inline(Data)
}

/// Question language; selects the multiple-choice instruction (MMBench vs MMBench-CN wording).
public enum SampleLanguage: String, Sendable, Equatable, Hashable, CaseIterable, Codable {
    case en
    case zh
}

/// One multiple-choice option, e.g. `A` → "a cat".
public struct SampleOption: Sendable, Equatable, Hashable, Codable {
    public var label: String
    public var text: String
    public init(label: String, text: String) {
        self.label = label
        self.text = text
    }
}

/// One image–question pair, whatever dataset format it came from. Statistics key everything on
/// `id` (hash-based selection, DESIGN §4), so ids are unique within a dataset.
public struct Sample: Sendable, Equatable, Hashable, Codable {
    public var id: String
    public var image: ImageSource
    public var question: String
    /// Context shown before the question (MMBench `hint`).
    public var hint: String?
    /// Multiple-choice options in presentation order; empty for open questions.
    public var options: [SampleOption]
    /// Ground-truth answer if the dataset has one (option label or free text). Not used in prompts.
    public var answer: String?
    public var language: SampleLanguage
    public var category: String?

    public init(id: String, image: ImageSource, question: String, hint: String? = nil, options: [SampleOption] = [],
                answer: String? = nil, language: SampleLanguage = .en, category: String? = nil) {
        self.id = id
        self.image = image
        self.question = question
        self.hint = hint
        self.options = options
        self.answer = answer
        self.language = language
        self.category = category
    }

    public var isMultipleChoice: Bool { !options.isEmpty }
}
