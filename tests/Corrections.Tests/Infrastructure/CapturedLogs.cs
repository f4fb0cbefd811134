using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Corrections.Tests.Infrastructure;

/// <summary>Keeps every log line with its scopes, to check what the service writes about readers.</summary>
public sealed class CapturedLogs : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<LogLine> lines = new();
    private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<LogLine> Lines => lines.ToArray();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    public void Dispose()
    {
    }

    public sealed record LogLine(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> Properties);

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner.scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var properties = new Dictionary<string, object?>();
            void Collect(object? values)
            {
                if (values is IEnumerable<KeyValuePair<string, object?>> pairs)
                    foreach (var (key, value) in pairs)
                        properties[key] = value;
                else if (values is IEnumerable<KeyValuePair<string, object>> objects)
                    foreach (var (key, value) in objects)
                        properties[key] = value;
            }
            owner.scopes.ForEachScope((scope, _) => Collect(scope), (object?)null);
            Collect(state);
            owner.lines.Enqueue(new LogLine(category, logLevel, formatter(state, exception) + (exception is null ? "" : " " + exception), properties));
        }
    }
}
