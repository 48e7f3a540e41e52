import Testing
@testable import Protocol
