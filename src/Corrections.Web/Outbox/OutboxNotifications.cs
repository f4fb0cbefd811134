using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using Corrections.Data;
using Mediator;

namespace Corrections.Outbox;

/// <summary>
/// A notification that travels through the outbox. Its rows carry <see cref="OutboxType"/>, a name of its own, so that
/// renaming a class never orphans a row.
/// </summary>
public interface IOutboxNotification : INotification
{
    static abstract string OutboxType { get; }
}

public static class OutboxNotifications
{
    // Every outbox notification of the service, by the name its rows carry.
    private static readonly FrozenDictionary<string, Type> TypesByName = typeof(OutboxNotifications).Assembly.GetTypes()
        .Where(type => type is { IsAbstract: false, IsInterface: false } && type.IsAssignableTo(typeof(IOutboxNotification)))
        .ToFrozenDictionary(type => (string)type.GetProperty(nameof(IOutboxNotification.OutboxType), BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!);

    public static OutboxMessage Create<T>(T notification, DateTimeOffset now) where T : IOutboxNotification => new()
    {
        Type = T.OutboxType,
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
