/**
 * How the market is sorted and which prices it shows. The sort applies as soon as it is chosen
 * (it only reorders the list below); the price range applies with its button, so a half-typed
 * number never filters. Both live in the address bar, so a filtered market can be shared and
 * the Back button undoes a change. The form stays mounted through every change, so focus stays
 * on the control the user is using.
 */
import { type FormEvent, useEffect, useId, useRef, useState } from 'react'
import type { ListingSort } from '../../../../contracts/market.ts'
import { TextField } from '../../components/Field.tsx'
import type { ListingsFilter } from './marketApi.ts'
import { type FilterErrors, parsePriceRange, SORT_OPTIONS } from './marketInput.ts'

interface ListingFiltersProps {
  filter: ListingsFilter
  onChange(filter: ListingsFilter): void
}

function asText(sats: number | undefined): string {
  return sats === undefined ? '' : String(sats)
}

export function ListingFilters({ filter, onChange }: ListingFiltersProps) {
  const sortId = useId()
  const [min, setMin] = useState(asText(filter.minPriceSats))
  const [max, setMax] = useState(asText(filter.maxPriceSats))
  const [errors, setErrors] = useState<FilterErrors>({})
  const formRef = useRef<HTMLFormElement>(null)
  const filtered = filter.minPriceSats !== undefined || filter.maxPriceSats !== undefined

  // The address bar leads: Back, a shared link or Clear put its range into the fields.
  useEffect(() => {
    setMin(asText(filter.minPriceSats))
    setMax(asText(filter.maxPriceSats))
  }, [filter.minPriceSats, filter.maxPriceSats])

  const onSubmitted = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const parsed = parsePriceRange({ min, max })
    if ('errors' in parsed) {
      setErrors(parsed.errors)
      return
    }
    setErrors({})
    onChange({ sort: filter.sort, ...parsed.range })
  }

  const onCleared = () => {
    setMin('')
    setMax('')
    setErrors({})
    onChange({ sort: filter.sort })
    // The Clear button goes away with the range; focus stays in the form, on the first price.
    formRef.current?.querySelector<HTMLInputElement>('input')?.focus()
  }

  return (
    <form
      ref={formRef}
      className="market-filters"
      onSubmit={onSubmitted}
      noValidate
      aria-label="Sort and filter listings"
    >
      <div className="field market-sort">
        <label htmlFor={sortId}>Sort by</label>
        <select
          id={sortId}
          className="field-input"
          value={filter.sort}
          onChange={(event) => onChange({ ...filter, sort: event.target.value as ListingSort })}
        >
          {SORT_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      <TextField
        className="market-bound"
        label="Lowest price, sats"
        inputMode="numeric"
        autoComplete="off"
        value={min}
        onChange={(event) => {
          setMin(event.target.value)
          setErrors(({ min: _, ...rest }) => rest)
        }}
        error={errors.min}
      />
      <TextField
        className="market-bound"
        label="Highest price, sats"
        inputMode="numeric"
        autoComplete="off"
        value={max}
        onChange={(event) => {
          setMax(event.target.value)
          setErrors(({ max: _, ...rest }) => rest)
        }}
        error={errors.max}
      />
      <div className="market-filter-actions">
        <button type="submit" className="button button-secondary">
          Apply prices
        </button>
        {filtered && (
          <button type="button" className="button button-secondary" onClick={onCleared}>
            Clear prices
          </button>
        )}
      </div>
    </form>
  )
}
