using System.Text.Json;
using System.Text.Json.Nodes;
using Corrections.Admin;
using Corrections.Data;

namespace Corrections.Features.Outbox;

/// <summary>The admin API over the outbox: what is waiting or parked, and re-queuing a parked message.</summary>
public static class OutboxEndpoints
{
    public static IEndpointRouteBuilder MapOutboxAdmin(this IEndpointRouteBuilder routes)
    {
        var outbox = routes.MapGroup("/api/outbox").RequireAuthorization(ApiKeyAuthenticationHandler.Policy);
        outbox.MapListOutboxMessages();
        outbox.MapRetryOutboxMessage();
        return routes;
    }
}

/// <summary>One outbox row as the admin API shows it; the payload names what the message is about, such as the report.</summary>
public sealed record OutboxMessageView(
    long Id,
    string Type,
    OutboxState State,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset DueAt,
    DateTimeOffset? ProcessedAt,
    string? LastError,
    JsonNode? Payload)
{
    public static OutboxMessageView From(OutboxMessage message) => new(
        message.Id,
        message.Type,
        message.State,
        message.Attempts,
        message.CreatedAt,
        message.DueAt,
        message.ProcessedAt,
        message.LastError,
        ReadPayload(message.Payload));

    private static JsonNode? ReadPayload(string payload)
    {
        try
        {
            return JsonNode.Parse(payload);
        }
        catch (JsonException)
        {
            return payload; // a broken row is shown as it is stored
        }
    }
}
