using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Corrections.Tests.Infrastructure;

/// <summary>Keeps what the service logs, so that a test can check that a failure was told at the right level.</summary>
public sealed class TestLog : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> entries = new();

    public sealed record Entry(LogLevel Level, string Category, string Message, Exception? Exception);

    public IReadOnlyList<Entry> Entries => entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(TestLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                log.entries.Enqueue(new Entry(logLevel, category, formatter(state, exception), exception));
        }
    }
}
