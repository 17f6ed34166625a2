package io.stepstream.internal.session;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The input of a turn run: which handler, the session's committed state (null before its first
 * turn: the handler gets the type's initial state) and the message's payload.
 *
 * @param shared true for a shared handler run through the sessions topic: it reads, commits nothing
 */
public record TurnInput(String sessionType, String sessionKey, String handler, long turn, JsonNode state, JsonNode message,
    boolean shared) {}
