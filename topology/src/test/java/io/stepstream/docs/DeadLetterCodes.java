package io.stepstream.docs;

import io.stepstream.internal.identity.IdentityRejected;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Every code the engine can put in a dead letter's {@code stepstream.error.type}, read from the
 * main sources of client/ and topology/.
 *
 * <p>Why a scan and not an enum of codes: the codes are written where the problem is found (the
 * decoders in client/, the orchestrator in topology/), files that change often; a scan of those
 * call sites keeps working as they change and catches a code added anywhere without touching this
 * list. It is made reliable by refusing what it cannot read: at every site below, the code argument
 * must be an expression listed in {@link #FORWARDED} (which says where the codes it carries are
 * collected instead, or that it is no dead letter), a string literal or a {@code static final
 * String} constant (collected). Anything else fails the check, naming the call.
 */
final class DeadLetterCodes {
  /** A call whose argument {@code codeArg} is a dead-letter code; {@code file} null: in any file. */
  record Site(String file, String call, int codeArg) {}

  static final List<Site> SITES = List.of(
      new Site(null, "new InvalidInputException(", 0), // every InvalidInputException on the orchestrator's path is dead-lettered
      new Site(null, "new DecisionRefused(", 0), // refused decisions, dead-lettered with their code
      new Site(null, "outputs.deadLetter(", 2),
      new Site("Outputs.java", "deadLetter(", 2),
      new Site(null, "Envelopes.decodeInput(", 2),
      new Site(null, "JsonInput.parse(", 1),
      new Site(null, "JsonInput.parse(", 2),
      new Site(null, "JsonInput.of(", 1),
      new Site("ExternalInputDecoder.java", "requireNonEmpty(", 1),
      new Site("WaitResolver.java", "reject(", 3),
      new Site("EmitSink.java", "reject(", 4),
      new Site(null, "reader.registryInputSchema(", 1),
      new Site(null, "reader.registryInput(", 3));

  /**
   * Code arguments that are not literals ({@code "File.java: expression"}), with the codes they add
   * beyond those collected at the sites their values come from.
   */
  static final Map<String, Set<String>> FORWARDED = Map.ofEntries(
      Map.entry("JsonInput.java: invalidCode", Set.of()), // from the JsonInput.parse/of sites
      Map.entry("JsonInput.java: undecodableCode", Set.of()), // from the JsonInput.parse sites
      Map.entry("Envelopes.java: code", Set.of()), // from the Envelopes.decodeInput sites
      Map.entry("EnvelopeReader.java: code", Set.of()), // from the registryInput/registryInputSchema sites
      Map.entry("ExternalInputDecoder.java: code", Set.of()), // from the requireNonEmpty sites
      Map.entry("ExternalInputHandler.java: refused.code()", Set.of()), // DecisionRefused codes
      Map.entry("WaitResolver.java: code", Set.of()), // from the reject sites
      Map.entry("WaitResolver.java: refused.code()", Set.of()), // DecisionRefused codes
      Map.entry("OrchestratorProcessor.java: e.code()", Set.of()), // InvalidInputException codes
      Map.entry("Outputs.java: errorType", Set.of()), // one deadLetter overload calling the other
      Map.entry("EmitSink.java: errorType", Set.of()), // from the EmitSink.reject sites
      Map.entry("ApprovalGuard.java: \"IDENTITY_\" + e.reason()",
          Arrays.stream(IdentityRejected.Reason.values()).map(r -> "IDENTITY_" + r.name()).collect(Collectors.toSet())),
      // not a dead letter: an input that does not decode as the workflow's input type fails the run
      // (its result's error type is INVALID_INPUT); the execution catches this exception itself
      Map.entry("Execution.java: INVALID_INPUT", Set.of()));

  /** What the scan found: the codes, and the call sites it could not read (empty when all is well). */
  record Scan(Set<String> codes, List<String> problems) {}

  private DeadLetterCodes() {}

  static Scan scan(JavaSources sources) {
    Set<String> codes = new TreeSet<>();
    List<String> problems = new ArrayList<>();
    Set<String> unused = new TreeSet<>(FORWARDED.keySet());
    for (Site site : SITES) {
      for (JavaSources.Call call : sources.calls(site.file(), site.call())) {
        if (call.args().size() <= site.codeArg()) {
          problems.add("a call with no code argument at position " + site.codeArg() + ", an unexpected shape: " + call);
          continue;
        }
        String arg = call.arg(site.codeArg());
        String literal = JavaSources.literal(arg);
        if (literal != null) {
          if (!literal.matches("[A-Z][A-Z0-9_]*")) {
            problems.add("dead-letter code \"" + literal + "\" is not UPPER_SNAKE_CASE: " + call);
          }
          codes.add(literal);
          continue;
        }
        String key = call.file() + ": " + arg.trim().replaceAll("\\s+", " ");
        Set<String> forwarded = FORWARDED.get(key);
        unused.remove(key);
        if (forwarded != null) {
          codes.addAll(forwarded);
          continue;
        }
        String constant = sources.constant(call.file(), arg);
        if (constant != null) {
          codes.add(constant);
          continue;
        }
        problems.add("a dead-letter code this check cannot read (" + call.file() + ": " + arg.trim() + ") in " + call
            + "; pass a string literal or a static final String constant, or list the expression in DeadLetterCodes.FORWARDED"
            + " with where its codes come from");
      }
    }
    unused.forEach(key -> problems.add("DeadLetterCodes.FORWARDED lists " + key + ", which no call passes any more; remove it"));
    return new Scan(codes, problems);
  }
}
