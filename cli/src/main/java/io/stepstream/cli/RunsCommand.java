package io.stepstream.cli;

import picocli.CommandLine.Command;

/**
 * {@code stepstream runs ...}. Helper A adds list, describe and history (queries); the admin
 * operations are {@link RunAdminCommands}.
 */
@Command(name = "runs", description = "Runs: admin operations (terminate, resume, restart).",
    subcommands = {RunAdminCommands.Terminate.class, RunAdminCommands.Resume.class, RunAdminCommands.Restart.class})
final class RunsCommand {}
