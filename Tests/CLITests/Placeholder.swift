import CBayesKit
import Testing

@Test func versionIsSet() { #expect(String(cString: bk_version()) == "0.1.0") }
