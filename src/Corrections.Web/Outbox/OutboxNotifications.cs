using System.Collections.Frozen;
using System.Text.Json;
using Corrections.Data;
using Corrections.Features.Replies;
using Corrections.Features.Reports.Submit;
using Corrections.Features.Triage;
using Mediator;

namespace Corrections.Outbox;

/// <summary>The notifications that travel through the outbox, stored by name so that renaming a class never orphans a row.</summary>
public static class OutboxNotifications
{
    private static readonly FrozenDictionary<string, Type> TypesByName = new Dictionary<string, Type>
    {
        ["ReportSubmitted"] = typeof(ReportSubmitted),
        ["ReportFixed"] = typeof(ReportFixed),
        ["ReplyNotUnderstood"] = typeof(ReplyNotUnderstood),
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<Type, string> NamesByType = TypesByName.ToFrozenDictionary(p => p.Value, p => p.Key);

    public static OutboxMessage Create<T>(T notification, DateTimeOffset now) where T : INotification => new()
    {
        Type = NamesByType.TryGetValue(typeof(T), out var name)
            ? name
            : throw new InvalidOperationException($"{typeof(T).Name} is not registered as an outbox notification"),
        Payload = JsonSerializer.Serialize(notification),
        State = OutboxState.Pending,
        CreatedAt = now,
        DueAt = now,
    };

    public static INotification Read(OutboxMessage message) =>
        TypesByName.TryGetValue(message.Type, out var type)
            ? (INotification)(JsonSerializer.Deserialize(message.Payload, type)
                ?? throw new PermanentFailureException($"Outbox message {message.Id} has an empty payload"))
            : throw new PermanentFailureException($"Outbox message {message.Id} has the unknown type '{message.Type}'");
}

/// <summary>Work that can never succeed, whatever the number of retries: the row is parked.</summary>
public sealed class PermanentFailureException(string message, Exception? inner = null) : Exception(message, inner);
