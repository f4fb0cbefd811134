using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Corrections.Data;

/// <summary>
/// Inserts new rows in the context's transaction with one INSERT per table, sent as one batch to a database server and
/// prepared once and executed once a row in SQLite, converting each value the way the model maps it. SaveChanges costs a submission batch several times more on a busy core, and
/// one multi-row INSERT is slower still: the driver binds hundreds of named parameters in quadratic time.
/// The commands go to the connection directly, so EF Core's logging and command interceptors do not see them.
/// </summary>
public static class BatchInsert
{
    public static async Task InsertAsync<T>(this CorrectionsDb db, IReadOnlyList<T> rows, CancellationToken cancellationToken) where T : class
    {
        if (rows.Count == 0)
            return;
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the model");
        var insert = InsertCommand.Of(entity, db.GetService<ISqlGenerationHelper>());

        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        if (connection.CanCreateBatch)
        {
            // A database server is a round trip away: all the rows go in one batch.
            await using var batch = connection.CreateBatch();
            batch.Transaction = transaction;
            await using var parameters = connection.CreateCommand();
            foreach (var row in rows)
            {
                var insertRow = batch.CreateBatchCommand();
                insertRow.CommandText = insert.Sql;
                for (var c = 0; c < insert.Columns.Length; c++)
                    insertRow.Parameters.Add(insert.Columns[c].Parameter(parameters, row));
                batch.BatchCommands.Add(insertRow);
            }
            await batch.ExecuteNonQueryAsync(cancellationToken);
            return;
        }

        // SQLite is in the process: one statement, prepared once and run once a row, its parameters made once and given
        // each row's values.
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = insert.Sql;
        foreach (var column in insert.Columns)
            command.Parameters.Add(column.Parameter(command, rows[0]));
        await command.ExecuteNonQueryAsync(cancellationToken);
        for (var r = 1; r < rows.Count; r++)
        {
            for (var c = 0; c < insert.Columns.Length; c++)
                insert.Columns[c].SetValue(command.Parameters[c], rows[r]);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>An entity type's INSERT, worked out from the model once and kept on it.</summary>
    private sealed record InsertCommand(string Sql, Column[] Columns)
    {
        public static InsertCommand Of(IEntityType entity, ISqlGenerationHelper sql) =>
            entity.GetOrAddRuntimeAnnotationValue("Corrections:Insert", static arg =>
            {
                var (entity, sql) = arg;
                var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
                // Keys the database numbers itself are left out.
                var columns = entity.GetProperties()
                    .Where(p => !(p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd && p.ClrType != typeof(Guid)))
                    .Select((p, i) => new Column(p, p.GetRelationalTypeMapping(), p.GetColumnName(table)!, $"@p{i}"))
                    .ToArray();
                var insert = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", columns.Select(c => sql.DelimitIdentifier(c.Name)))}) VALUES ({string.Join(", ", columns.Select(c => c.ParameterName))})";
                return new InsertCommand(insert, columns);
            }, (entity, sql));
    }

    private sealed record Column(IProperty Property, RelationalTypeMapping Mapping, string Name, string ParameterName)
    {
        /// <summary>A parameter holding the row's value, converted as SaveChanges would (ticks for instants, text for enums).</summary>
        public DbParameter Parameter(DbCommand command, object row) =>
            Mapping.CreateParameter(command, ParameterName, Property.GetGetter().GetClrValue(row), Property.IsNullable);

        /// <summary>Gives a parameter made by <see cref="Parameter"/> another row's value.</summary>
        public void SetValue(DbParameter parameter, object row)
        {
            var value = Property.GetGetter().GetClrValue(row);
            if (value is not null && Mapping.Converter is { } converter)
                value = converter.ConvertToProvider(value);
            else if (value is Enum)
                value = Convert.ChangeType(value, Enum.GetUnderlyingType(value.GetType()), System.Globalization.CultureInfo.InvariantCulture);
            parameter.Value = value ?? DBNull.Value;
        }
    }
}
